namespace Switchboard.Sdk;

/// <summary>Merge: packets from several branches continue as one (thesis 3.1.1). Each branch's batch is
/// passed straight on, so merging costs one call per batch and no copy.</summary>
internal sealed class MergeNode : Node
{
    internal override void Process(PacketBatch batch)
    {
        _in += batch.Count;
        Emit(batch);
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
        var merge = new MergeNode { Core = builder.Core, Name = builder.NameFor("merge") };
        builder.Nodes.Add(merge);
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
