namespace Switchboard.Sdk;

/// <summary>The NF boundary (thesis' compose): a named pass-through whose counter is the NF's output.</summary>
internal sealed class ComposeNode : Node
{
    internal override void Process(PacketBatch batch)
    {
        _in += batch.Count;
        Emit(batch);
    }
}

public sealed partial class Pipe
{
    /// <summary>Mark an NF boundary; packets passing are counted under <paramref name="name"/>.</summary>
    public Pipe Compose(string? name = null)
    {
        EnsureOpen();
        // Named like every node: scoped to the NF being built and unique, so counters never collide.
        return Then(new ComposeNode { Name = Builder.NameFor(string.IsNullOrEmpty(name) ? "compose" : name) }, "compose");
    }
}
