using System.Runtime.CompilerServices;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Sdk;

/// <summary>
/// A node of an NF's processing graph. Nodes push whole batches to their successor through one
/// virtual call per batch; per-packet work happens in loops over a generic struct UDF that the JIT
/// specialises and inlines. Counters are plain fields written only by the owning core.
/// </summary>
public abstract class Node
{
    internal CoreContext Core = null!;
    internal Node? Next;

    /// <summary>A readable name, e.g. <c>ttl/filter</c>.</summary>
    public string Name { get; internal set; } = "";

    /// <summary>Packets that entered this node.</summary>
    public long PacketsIn => _in;
    /// <summary>Packets this node dropped (filtered, malformed, unroutable).</summary>
    public long PacketsDropped => _dropped;

    /// <summary>Packets dropped because a user function threw on them (also counted in <see cref="PacketsDropped"/>).</summary>
    public long PacketsFaulted => _faulted;
    /// <summary>The most recent exception a user function threw here, for the host to report.</summary>
    public Exception? LastFault { get; private set; }

    internal long _in, _dropped, _faulted;

    /// <summary>Where the host counts this node's faults per NF instance (quarantine); null outside an NF.</summary>
    internal IFaultSink? FaultSink;

    /// <summary>Process and hand on every packet of the batch; on return the batch is empty.</summary>
    internal abstract void Process(PacketBatch batch);

    /// <summary>Pass the batch to the successor (or drop it when this output leads nowhere).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private protected void Emit(PacketBatch batch)
    {
        if (batch.Count == 0) return;
        if (Next is { } next) next.Process(batch);
        else { _dropped += batch.Count; Core.DropAll(batch); }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private protected unsafe void DropPacket(PacketDesc* d)
    {
        _dropped++;
        Core.Drop(d);
    }

    /// <summary>A user function threw on a packet: count it (the caller drops the packet). Nodes that call
    /// UDFs run their loop inside one try per batch, so a throwing plugin loses only that packet, the
    /// batch stays consistent and the core keeps running.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void NoteFault(Exception e)
    {
        _faulted++;
        LastFault = e;
        FaultSink?.OnFault(Name, e);
    }

    /// <summary>Drop the first <paramref name="count"/> packets of <paramref name="rejected"/> (collected
    /// during a guarded loop, where freeing could throw into the UDF's handler).</summary>
    private protected unsafe void DropRejected(PacketDesc*[] rejected, int count)
    {
        for (int i = 0; i < count; i++) DropPacket(rejected[i]);
    }

    /// <summary>A scratch array of at least <paramref name="n"/> entries (grown rarely, when a batch is
    /// larger than the core's batch size).</summary>
    private protected static int[] Scratch(ref int[] array, int n)
    {
        if (array.Length < n) array = new int[Math.Max(n, array.Length * 2)];
        return array;
    }

    private protected static unsafe PacketDesc*[] Scratch(ref PacketDesc*[] array, int n)
    {
        if (array.Length < n) array = new PacketDesc*[Math.Max(n, array.Length * 2)];
        return array;
    }

    internal virtual IEnumerable<Node> Successors => Next is null ? [] : [Next];
}
