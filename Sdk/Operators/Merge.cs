using Switchboard.Sdk.Runtime;

namespace Switchboard.Sdk;

/// <summary>Merge: packets from several branches continue as one (thesis 3.1.1). A branch's batch that is
/// at least half full is passed straight on (one call, no copy); smaller ones - a group-by spreads a batch
/// over its branches - are gathered (8 bytes per packet) until a full batch goes on, and the scheduler
/// flushes what is left when it visits this node, so what follows a merge runs on full batches again.</summary>
internal sealed unsafe class MergeNode : Node, ISchedulable
{
    private readonly PacketBatch _gathered;

    public MergeNode(int batchSize) => _gathered = new PacketBatch(batchSize);

    /// <summary>Packets waiting for a fuller batch.</summary>
    internal int Pending => _gathered.Count;

    internal override void Process(PacketBatch batch)
    {
        _in += batch.Count;
        var gathered = _gathered;
        if (gathered.Count == 0 && batch.Count * 2 >= gathered.Capacity)
        {
            Emit(batch);
            return;
        }
        var items = batch.Items;
        for (int i = 0, n = batch.Count; i < n; i++)
        {
            gathered.Add(items[i]);
            if (gathered.IsFull) Emit(gathered);
        }
        batch.Clear();
    }

    int ISchedulable.Poll(long nowTicks)
    {
        int n = _gathered.Count;
        if (n != 0) Emit(_gathered);
        return n;
    }
}

public sealed partial class Pipe
{
    /// <summary>Join branches into one pipe (thesis 3.1.1 merge). Every branch must be an open output
    /// of the same graph, each given once.</summary>
    public static Pipe Merge(params ReadOnlySpan<Pipe> branches)
    {
        if (branches.Length == 0) throw new ArgumentException("Merge needs at least one branch.", nameof(branches));
        var builder = branches[0].Builder;
        // Check everything before wiring anything, so a bad call leaves the graph unchanged.
        for (int i = 0; i < branches.Length; i++)
        {
            var b = branches[i];
            if (b.Builder != builder) throw new ArgumentException("Merged branches must belong to the same graph.", nameof(branches));
            b.EnsureOpen();
            for (int j = 0; j < i; j++)
                if (ReferenceEquals(branches[j], b)) throw new ArgumentException($"Branch '{b._origin}' is given to Merge twice.", nameof(branches));
        }
        var merge = new MergeNode(builder.Core.BatchSize) { Core = builder.Core, Name = builder.NameFor("merge") };
        builder.Nodes.Add(merge);
        builder.Core.Schedulables.Add(merge);
        foreach (var b in branches) b.ConnectExisting(merge);
        return new Pipe(builder, n => merge.Next = n, merge.Name);
    }

    /// <summary>Attach to a node that is already part of the graph (merge targets).</summary>
    internal void ConnectExisting(Node node)
    {
        EnsureOpen()(node);
        _attach = null;
    }
}
