using System.Runtime.CompilerServices;

namespace Switchboard.Sdk;

/// <summary>A node that drops malformed packets and counts them by <see cref="ParseStatus"/> (for reports).</summary>
internal interface IParseFailures
{
    IReadOnlyList<long> Failures { get; }
}

/// <summary>Parse: push header <typeparamref name="T"/> onto each packet's stack. Packets that do not
/// carry it, or carry it malformed, are dropped and counted by reason. Runs as a <see cref="ParseStage{T, TParser}"/>.</summary>
internal sealed class ParseNode<T> : StageNode, IParseFailures where T : struct, IHeader
{
    internal readonly long[] FailureCounts = new long[Enum.GetValues<ParseStatus>().Length];

    /// <summary>Drop counts by <see cref="ParseStatus"/>.</summary>
    public IReadOnlyList<long> Failures => FailureCounts;
}

/// <summary>How a parse stage parses: by kind in general, or a specialisation for a stack state the builder knows.</summary>
internal unsafe interface IParser
{
    static abstract ParseStatus Parse(PacketDesc* d);
}

internal unsafe struct ParseByKind<T> : IParser where T : struct, IHeader
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ParseStatus Parse(PacketDesc* d) => HeaderParser.Parse(d, T.Kind);
}

/// <summary>Ethernet onto an empty stack (after an NF's entry).</summary>
internal unsafe struct ParseEthernetFirst : IParser
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ParseStatus Parse(PacketDesc* d) => HeaderParser.ParseEthernetFirst(d);
}

/// <summary>IPv4 onto a stack of exactly one Ethernet header.</summary>
internal unsafe struct ParseIpv4AfterEthernet : IParser
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ParseStatus Parse(PacketDesc* d) => HeaderParser.ParseIpv4AfterEthernet(d);
}

/// <summary>What the graph builder knows about the header stack at a point of a pipe (so a parse there can skip reading it back).</summary>
internal enum KnownStack : byte
{
    Unknown,
    /// <summary>Empty, no IP state: right after an NF's entry.</summary>
    Empty,
    /// <summary>Exactly one Ethernet header, no IP state: an NF's entry, then parse Ethernet.</summary>
    Ethernet,
}

internal unsafe struct ParseStage<T, TParser>(ParseNode<T> node, int index) : IStage where T : struct, IHeader where TParser : struct, IParser
{
    private int _dropped;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Run(PacketDesc* d, ref int mark)
    {
        var status = TParser.Parse(d);
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
        string kind = $"parse-{T.Kind.ToString().ToLowerInvariant()}";
        int index = NextStageIndex;
        return (T.Kind, Known) switch
        {
            (HeaderKind.Ethernet, KnownStack.Empty) => Fuse(new ParseStage<T, ParseEthernetFirst>(node, index), node, kind, KnownStack.Ethernet),
            (HeaderKind.Ipv4, KnownStack.Ethernet) => Fuse(new ParseStage<T, ParseIpv4AfterEthernet>(node, index), node, kind),
            _ => Fuse(new ParseStage<T, ParseByKind<T>>(node, index), node, kind),
        };
    }

    /// <summary>Pop the top header (thesis 3.1.1 deparse).</summary>
    public Pipe Deparse()
    {
        var node = new DeparseNode();
        return Fuse(new DeparseStage(node), node, "deparse");
    }
}
