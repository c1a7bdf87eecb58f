using System.Runtime.CompilerServices;

namespace Switchboard.Sdk;

/// <summary>A node that drops malformed packets and counts them by <see cref="ParseStatus"/> (for reports).</summary>
internal interface IParseFailures
{
    IReadOnlyList<long> Failures { get; }
}

/// <summary>Parse: push header <typeparamref name="T"/> onto each packet's stack. Packets that do not
/// carry it, or carry it malformed, are dropped and counted by reason. Runs as a <see cref="ParseStage{T, TParser}"/>.</summary>
internal sealed class ParseNode<T> : StageNode, IParseFailures, IRefusals where T : struct, IHeader
{
    internal readonly long[] FailureCounts = new long[Enum.GetValues<ParseStatus>().Length];

    void IRefusals.Refused(ParseStatus status) => FailureCounts[(int)status]++;

    /// <summary>Drop counts by <see cref="ParseStatus"/>.</summary>
    public IReadOnlyList<long> Failures => FailureCounts;
}

/// <summary>
/// How a parse stage parses: by kind in general, or a specialisation for a stack state the builder knows. The common
/// case is decided inline and says only yes or no (<see cref="TryFast"/>); the general parse and the reason for a
/// refusal are computed out of line (<see cref="Rest"/>), so the per-packet path carries no status.
/// </summary>
internal unsafe interface IParser
{
    /// <summary>Inline: true when the header was pushed. False pushes nothing.</summary>
    static abstract bool TryFast(PacketDesc* d);

    /// <summary>Whether a false from <see cref="TryFast"/> is already the general parser's answer (then <see cref="Rest"/>
    /// only names the reason, and a try-parse need not call it).</summary>
    static abstract bool FastIsFinal { get; }

    /// <summary>Out of line, after <see cref="TryFast"/> said false: the general parse, which pushes the header
    /// (<see cref="ParseStatus.Ok"/>) or says why it cannot.</summary>
    static abstract ParseStatus Rest(PacketDesc* d);
}

internal unsafe struct ParseByKind<T> : IParser where T : struct, IHeader
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryFast(PacketDesc* d) => HeaderParser.Parse(d, T.Kind) == ParseStatus.Ok;
    public static bool FastIsFinal => true;
    // A refused parse pushed nothing, so parsing again gives the reason.
    public static ParseStatus Rest(PacketDesc* d) => HeaderParser.ParseOutOfLine(d, T.Kind);
}

/// <summary>Ethernet onto an empty stack (after an NF's entry): untagged frames inline, tagged ones out of line.</summary>
internal unsafe struct ParseEthernetFirst : IParser
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryFast(PacketDesc* d) => HeaderParser.TryPushUntaggedEthernetFirst(d);
    public static bool FastIsFinal => false;
    public static ParseStatus Rest(PacketDesc* d) => HeaderParser.ParseEthernetGeneral(d);
}

/// <summary>IPv4 onto a stack of exactly one Ethernet header: option-less, whole datagrams inline.</summary>
internal unsafe struct ParseIpv4AfterEthernet : IParser
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryFast(PacketDesc* d) => HeaderParser.TryPushIpv4AfterOnlyEthernet(d);
    public static bool FastIsFinal => false;
    public static ParseStatus Rest(PacketDesc* d) => HeaderParser.ParseIpv4General(d);
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

internal unsafe struct ParseStage<T, TParser>(ParseNode<T> node) : IStage where T : struct, IHeader where TParser : struct, IParser
{
    private int _dropped;

    public static int Count => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Run(PacketDesc* d, ref int mark, int at) => TParser.TryFast(d) ? Outcome.Keep : at;

    /// <summary>What the inline parse left: the general parse, which keeps the packet or counts why it drops it.</summary>
    public bool RunFrom(PacketDesc* d, ref int mark, int at, int from)
    {
        var status = TParser.Rest(d);
        if (status == ParseStatus.Ok) return true;
        node.FailureCounts[(int)status]++;
        _dropped++;
        return false;
    }

    public void Settle(ref int remaining)
    {
        node.Credit(remaining, _dropped);
        remaining -= _dropped;
        _dropped = 0;
    }

    public readonly Node? Fault(int mark, int at) => null; // parsing runs no user code
}

/// <summary>Deparse: pop the top header back into the payload. Popping an IP header also rewinds the
/// stack's IP state (protocol, fragment flags, datagram end) to the enclosing IP header, or clears it
/// (see <see cref="HeaderParser.Deparse"/>), so later parses see the packet as it now stands.</summary>
internal sealed class DeparseNode : StageNode;

internal unsafe struct DeparseStage(DeparseNode node) : IStage
{
    public static int Count => 1;

    // A deparse is a loop over the stack: out of line (deferred), so the loop around it keeps its registers.
    public readonly int Run(PacketDesc* d, ref int mark, int at) => at;

    public readonly bool RunFrom(PacketDesc* d, ref int mark, int at, int from)
    {
        HeaderParser.Deparse(d);
        return true;
    }

    public readonly void Settle(ref int remaining) => node.Credit(remaining, 0);
    public readonly Node? Fault(int mark, int at) => null;
}

public sealed partial class Pipe
{
    /// <summary>Parse header <typeparamref name="T"/> (thesis 3.1.1 parse).</summary>
    public Pipe Parse<T>() where T : struct, IHeader
    {
        var node = new ParseNode<T>();
        string kind = $"parse-{T.Kind.ToString().ToLowerInvariant()}";
        if (MergeIntoEntry<T>(node, drops: true, kind) is { } merged) return merged;
        return (T.Kind, Known) switch
        {
            (HeaderKind.Ethernet, KnownStack.Empty) => Fuse(new ParseStage<T, ParseEthernetFirst>(node), node, kind, KnownStack.Ethernet),
            (HeaderKind.Ipv4, KnownStack.Ethernet) => Fuse(new ParseStage<T, ParseIpv4AfterEthernet>(node), node, kind),
            _ => Fuse(new ParseStage<T, ParseByKind<T>>(node), node, kind),
        };
    }

    /// <summary>Pop the top header (thesis 3.1.1 deparse).</summary>
    public Pipe Deparse()
    {
        var node = new DeparseNode();
        return Fuse(new DeparseStage(node), node, "deparse");
    }
}
