namespace Switchboard.Sdk;

/// <summary>The NF boundary (thesis' compose): a named pass-through whose counter is the NF's output.</summary>
internal sealed class ComposeNode : StageNode;

/// <summary>Compose as a stage: no work per packet, only the count.</summary>
internal unsafe struct ComposeStage(ComposeNode node) : IStage
{
    public static int Count => 1;
    public readonly int Run(PacketDesc* d, ref int mark, int at) => Outcome.Keep;
    public readonly bool RunFrom(PacketDesc* d, ref int mark, int at, int from) => true;
    public readonly void Settle(ref int remaining) => node.Credit(remaining, 0);
    public readonly Node? Fault(int mark, int at) => null;
}

public sealed partial class Pipe
{
    /// <summary>Mark an NF boundary; packets passing are counted under <paramref name="name"/>.</summary>
    public Pipe Compose(string? name = null)
    {
        EnsureOpen();
        // Named like every node: scoped to the NF being built and unique, so counters never collide.
        var node = new ComposeNode { Name = Builder.NameFor(string.IsNullOrEmpty(name) ? "compose" : name) };
        return Fuse(new ComposeStage(node), node, "compose");
    }
}
