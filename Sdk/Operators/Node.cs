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

    internal long _in, _dropped;

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

    internal virtual IEnumerable<Node> Successors => Next is null ? [] : [Next];
}
