using System.Runtime.CompilerServices;

namespace Switchboard.Sdk;

/// <summary>A node that drops malformed packets and counts them by <see cref="ParseStatus"/> (for reports).</summary>
internal interface IParseFailures
{
    IReadOnlyList<long> Failures { get; }
}

/// <summary>Parse: push header <typeparamref name="T"/> onto each packet's stack. Packets that do not
/// carry it, or carry it malformed, are dropped and counted by reason. Runs as a <see cref="ParseStage{T}"/>.</summary>
internal sealed class ParseNode<T> : StageNode, IParseFailures where T : struct, IHeader
{
    internal readonly long[] FailureCounts = new long[Enum.GetValues<ParseStatus>().Length];

    /// <summary>Drop counts by <see cref="ParseStatus"/>.</summary>
    public IReadOnlyList<long> Failures => FailureCounts;
}

internal unsafe struct ParseStage<T>(ParseNode<T> node, int index) : IStage where T : struct, IHeader
{
    private int _dropped;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Run(PacketDesc* d, ref int mark)
    {
        var status = HeaderParser.Parse(d, T.Kind);
        if (status == ParseStatus.Ok) return true;
        Reject(status);
        return false;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Reject(ParseStatus status)
    {
        node.FailureCounts[(int)status]++;
        _dropped++;
    }

    public void Settle(ref int remaining)
    {
        node.Credit(remaining, _dropped);
        remaining -= _dropped;
        _dropped = 0;
    }

    public Node? Fault(int i)
    {
        if (i != index) return null;
        _dropped++;
        return node;
    }
}

/// <summary>Deparse: pop the top header back into the payload. Popping an IP header also rewinds the
/// stack's IP state (protocol, fragment flags, datagram end) to the enclosing IP header, or clears it
/// (see <see cref="HeaderParser.Deparse"/>), so later parses see the packet as it now stands.</summary>
internal sealed class DeparseNode : StageNode;

internal unsafe struct DeparseStage(DeparseNode node) : IStage
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Run(PacketDesc* d, ref int mark)
    {
        HeaderParser.Deparse(d);
        return true;
    }

    public readonly void Settle(ref int remaining) => node.Credit(remaining, 0);
    public readonly Node? Fault(int index) => null;
}

public sealed partial class Pipe
{
    /// <summary>Parse header <typeparamref name="T"/> (thesis 3.1.1 parse).</summary>
    public Pipe Parse<T>() where T : struct, IHeader
    {
        var node = new ParseNode<T>();
        return Fuse(new ParseStage<T>(node, NextStageIndex), node, $"parse-{T.Kind.ToString().ToLowerInvariant()}");
    }

    /// <summary>Pop the top header (thesis 3.1.1 deparse).</summary>
    public Pipe Deparse()
    {
        var node = new DeparseNode();
        return Fuse(new DeparseStage(node), node, "deparse");
    }
}
