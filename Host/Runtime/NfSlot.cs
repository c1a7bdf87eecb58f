using Switchboard.Sdk;

namespace Switchboard.Host.Runtime;

/// <summary>What a slot does with a batch: hand it to its NF replica, pass it on untouched, or drop it.</summary>
internal enum SlotMode : byte
{
    Active,
    /// <summary>Quarantined with the bypass policy: packets skip the NF.</summary>
    Bypass,
    /// <summary>Quarantined with the drop policy: packets are dropped (fail closed).</summary>
    Drop,
}

/// <summary>
/// One NF position in one chain replica on one core. Its target (the entry of the active NF replica,
/// or none: pass-through) and mode are plain fields written only by the owning worker thread, between
/// batches (worker commands), so switching costs nothing on the packet path: one virtual call per batch
/// as before. <see cref="Node.Next"/> is the continuation (next slot or the port), shared by every
/// generation's exit node, so an old generation draining after a swap still delivers downstream.
/// The slot also records on its worker which NF is executing (watchdog), and contains exceptions
/// that escape the NF's nodes so they never reach the worker loop.
/// </summary>
internal sealed class NfSlotNode(Worker worker, string instance) : Node
{
    internal Node? Target;
    internal NfReplica? Active;
    internal SlotMode Mode;

    public string Instance { get; } = instance;
    public Worker Worker => worker;
    /// <summary>Packets that skipped the NF (bypass quarantine) and packets dropped by a drop quarantine.</summary>
    public long Bypassed, QuarantineDropped;
    /// <summary>Exceptions that escaped the NF's nodes, and packets of those batches abandoned (see <see cref="Contain"/>).</summary>
    public long Escaped, Abandoned;

    internal override void Process(PacketBatch batch)
    {
        _in += batch.Count;
        var target = Target;
        if (target is null) { Emit(batch); return; } // pass-through (an inserted slot before activation)
        if (Mode != SlotMode.Active) { Quarantined(batch); return; }
        var previous = worker.Current;
        worker.Current = Active;
        try
        {
            target.Process(batch);
        }
        catch (Exception e)
        {
            Contain(e, batch);
        }
        worker.Current = previous;
    }

    private void Quarantined(PacketBatch batch)
    {
        if (Mode == SlotMode.Bypass) { Bypassed += batch.Count; Emit(batch); }
        else { QuarantineDropped += batch.Count; _dropped += batch.Count; Core.DropAll(batch); }
    }

    /// <summary>An exception escaped the NF's graph mid-batch (the Sdk's operators guard user code per
    /// packet, so this is rare). Nodes may already have queued or sent some of the batch's packets, so
    /// freeing what is left could free a buffer twice; the batch is abandoned instead (counted) and the
    /// fault goes to the NF's account, which quarantines it after its limit.</summary>
    private void Contain(Exception e, PacketBatch batch)
    {
        Escaped++;
        Abandoned += batch.Count;
        batch.Clear();
        Active?.OnFault(Instance, e);
    }
}
