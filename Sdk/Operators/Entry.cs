using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Switchboard.Sdk;

/// <summary>
/// Where a packet enters an NF. Counts the NF's input and clears the header stack, so every NF
/// parses from the first byte as in thesis listing 1 and cannot depend on another NF's parse state
/// (per-packet metadata does carry over, on purpose). A frame a DPDK driver chained (larger than an mbuf) is dropped
/// here and counted on the entry: an NF would see only its first segment, and an NF that inspects (an IPS) must not
/// pass what it could not read. (One exception: an untagged frame whose whole IPv4 datagram lies in the first
/// segment, the rest being link-layer trailer, is kept: every byte an NF reads is there.) Runs as the first stage of the NF's first fused
/// node (<see cref="NfEntryStage"/>, or merged with the NF's first parses: <see cref="EntryParseStage{TEth, TIp4, TIp6, TTcp, TUdp, TIcmp}"/>),
/// so the reset costs no loop of its own.
/// </summary>
internal sealed class NfEntryNode : StageNode;

internal unsafe struct NfEntryStage(NfEntryNode node) : IStage
{
    private int _chained;

    public static int Count => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Run(PacketDesc* d, ref int mark, int at)
    {
        if (d->Segments > 1) { _chained++; return Outcome.Drop; }
        d->Headers.Clear();
        d->FlowHash = 0; // an earlier NF may have rewritten addresses (NAT)
        return Outcome.Keep;
    }

    public bool RunFrom(PacketDesc* d, ref int mark, int at, int from) => Run(d, ref mark, at) == Outcome.Keep;

    public void Settle(ref int remaining)
    {
        node.Credit(remaining, _chained);
        remaining -= _chained;
        _chained = 0;
    }

    public readonly Node? Fault(int mark, int at) => null;
}

/// <summary>The entry of an NF that added no operator: nothing in it reads a header, so the entry only counts (per batch).</summary>
internal sealed class NfEntryCounter(NfEntryNode entry) : Node
{
    internal override void Process(PacketBatch batch)
    {
        entry.Credit(batch.Count, 0);
        Next!.Process(batch);
    }
}

/// <summary>Whether a parse is there, and whether it drops what it refuses (<c>Parse</c>) or passes it on unparsed
/// (<c>TryParse</c>).</summary>
internal interface IParseMode
{
    static abstract bool Present { get; }
    static abstract bool Drops { get; }
}

internal struct MustParse : IParseMode
{
    public static bool Present => true;
    public static bool Drops => true;
}

internal struct MayParse : IParseMode
{
    public static bool Present => true;
    public static bool Drops => false;
}

/// <summary>No such parse in the NF.</summary>
internal struct NoParse : IParseMode
{
    public static bool Present => false;
    public static bool Drops => false;
}

/// <summary>A parse operator's node, as a merged stage counts a refusal into it.</summary>
internal interface IRefusals
{
    void Refused(ParseStatus status);
}

/// <summary>
/// An NF's entry and the parses it begins with, as one stage: Ethernet, IPv4 (each a <c>Parse</c> or a <c>TryParse</c>),
/// then, when the NF asks for them, try-parses of IPv6 and of TCP, UDP and ICMP, in the NF's order (<see cref="EntryParseStage.Steps"/>).
/// An untagged frame carrying an option-less, whole IPv4 datagram (not IPv6 inside, when IPv6 is asked for) gets at
/// once the header stack the steps would leave (<see cref="HeaderParser.TryWriteEntryStack{TTcp, TUdp, TIcmp}"/>): the
/// transport header its protocol names is pushed when its try-parse is there and it is valid, and every other
/// try-parse refuses it. Refusals of those frames are counted per batch in <see cref="Settle"/>, not per packet. Any
/// other frame takes the steps one by one, out of line. Each operator keeps its own node and counts.
/// </summary>
internal unsafe struct EntryParseStage<TEth, TIp4, TIp6, TTcp, TUdp, TIcmp>(NfEntryNode entry, EntryParseStage.Steps steps) : IStage
    where TEth : struct, IParseMode where TIp4 : struct, IParseMode where TIp6 : struct, IParseMode
    where TTcp : struct, IParseMode where TUdp : struct, IParseMode where TIcmp : struct, IParseMode
{
    /// <summary>Frames written at once, by what <see cref="HeaderParser.TryWriteEntryStack{TTcp, TUdp, TIcmp}"/> returned
    /// (1 + the transport kind pushed, or 1): index 1 + a kind is how many that kind's try-parse parsed inline.</summary>
    private fixed int _inline[EntryParseStage.InlineCounts];
    private int _chained, _ethDropped, _ip4Dropped;

    public static int Count => 1;

    private static bool AnyTransport => TTcp.Present || TUdp.Present || TIcmp.Present;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Run(PacketDesc* d, ref int mark, int at)
    {
        d->FlowHash = 0; // an earlier NF may have rewritten addresses (NAT)
        // A chain needs no test here: its IPv4 datagram ends past its first segment (else the chain is only trailer,
        // which no NF reads), so the write refuses it and the out-of-line path drops it (see NfEntryNode).
        int written = HeaderParser.TryWriteEntryStack<TTcp, TUdp, TIcmp>(d, notCarryingIpv6: TIp6.Present);
        if (written == 0) return at;
        if (AnyTransport) _inline[written]++;
        return Outcome.Keep;
    }

    public bool RunFrom(PacketDesc* d, ref int mark, int at, int from)
    {
        if (d->Segments > 1) { _chained++; return false; }
        d->Headers.Clear();
        var status = HeaderParser.ParseEthernetFirst(d);
        if (status != ParseStatus.Ok)
        {
            ((IRefusals)steps.Ethernet).Refused(status);
            if (TEth.Drops) { _ethDropped++; return false; }
            status = HeaderParser.Parse(d, HeaderKind.Ipv4); // nothing parsed: raw IP, as a try-parse leaves it
        }
        else status = HeaderParser.ParseIpv4AfterEthernet(d);
        if (status != ParseStatus.Ok)
        {
            ((IRefusals)steps.Ipv4).Refused(status);
            if (TIp4.Drops) { _ip4Dropped++; return false; }
        }
        steps.RunTryParses(d);
        return true;
    }

    public void Settle(ref int remaining)
    {
        entry.Credit(remaining, _chained);
        remaining -= _chained;
        steps.Ethernet.Credit(remaining, _ethDropped);
        remaining -= _ethDropped;
        steps.Ipv4.Credit(remaining, _ip4Dropped);
        remaining -= _ip4Dropped;
        if (steps.TryParses.Length > 0)
        {
            var inline = MemoryMarshal.CreateSpan(ref _inline[0], EntryParseStage.InlineCounts);
            steps.SettleTryParses(remaining, inline);
            inline.Clear();
        }
        _chained = _ethDropped = _ip4Dropped = 0;
    }

    public readonly Node? Fault(int mark, int at) => null;
}

internal static class EntryParseStage
{
    /// <summary>Slots of the per-batch inline counts: 1 + every header kind.</summary>
    internal const int InlineCounts = 1 + (int)HeaderKind.Icmpv6 + 1;

    /// <summary>The nodes of a merged entry's parses: Ethernet, IPv4, then its try-parses in the NF's order, with how
    /// many packets each parsed out of line in the current batch.</summary>
    internal sealed unsafe class Steps(StageNode ethernet, StageNode ipv4, TryParseNode[] tryParses)
    {
        public StageNode Ethernet { get; } = ethernet;
        public StageNode Ipv4 { get; } = ipv4;
        public TryParseNode[] TryParses { get; } = tryParses;
        private readonly int[] _parsed = new int[tryParses.Length];

        /// <summary>The try-parses one by one, as their own stages would run them.</summary>
        public void RunTryParses(PacketDesc* d)
        {
            for (int i = 0; i < TryParses.Length; i++)
                if (HeaderParser.Parse(d, TryParses[i].Kind) == ParseStatus.Ok) _parsed[i]++;
        }

        /// <summary>Credit each try-parse with the batch: every packet reaches it (try-parses drop nothing), and those
        /// it did not parse, out of line or at once, count as not parsed.</summary>
        public void SettleTryParses(int remaining, ReadOnlySpan<int> inlineByKind)
        {
            for (int i = 0; i < TryParses.Length; i++)
            {
                var node = TryParses[i];
                int parsed = _parsed[i] + inlineByKind[1 + (int)node.Kind];
                node.Credit(remaining, 0);
                node.NotParsed += remaining - parsed;
                _parsed[i] = 0;
            }
        }
    }
}

public sealed partial class Pipe
{
    /// <summary>An NF's input: its entry is held back (see <see cref="Pending"/>) so that its first parses can merge with it.</summary>
    internal Pipe BeginNf(NfEntryNode entry)
    {
        EnsureOpen();
        Register(entry, "entry");
        return HandOff(new Pending(entry, []), entry.Name, KnownStack.Empty);
    }

    /// <summary>A pipe that takes over this one's open output with <paramref name="pending"/> held back; this one is consumed.</summary>
    private Pipe HandOff(Pending pending, string origin, KnownStack known)
    {
        var attach = _attach!;
        _attach = null;
        _pending = null;
        return new Pipe(Builder, attach, origin) { _pending = pending, Known = known };
    }

    /// <summary>A parse an NF begins with, held back to merge with its entry.</summary>
    private readonly record struct PendingParse(HeaderKind Kind, StageNode Node, bool Drops);

    /// <summary>
    /// Stages taken but not yet appended: an NF's entry and the parses it begins with, as far as they merge into one
    /// <see cref="EntryParseStage{TEth, TIp4, TIp6, TTcp, TUdp, TIcmp}"/>: Ethernet, IPv4, then try-parses of IPv6 (after a
    /// try-parse of IPv4), TCP, UDP and ICMP, each at most once. The first operator that does not merge appends them.
    /// </summary>
    private sealed record Pending(NfEntryNode Entry, PendingParse[] Parses);

    private Pending? _pending;

    /// <summary>Take a parse into the pending entry when it merges; null when it does not.</summary>
    private Pipe? MergeIntoEntry<T>(StageNode node, bool drops, string kind) where T : struct, IHeader
    {
        if (_pending is not { } p || !Merges(p.Parses, T.Kind, drops)) return null;
        Register(node, kind);
        var known = p.Parses.Length == 0 ? (drops ? KnownStack.Ethernet : KnownStack.Unknown) : KnownStack.Unknown;
        return HandOff(p with { Parses = [.. p.Parses, new PendingParse(T.Kind, node, drops)] }, node.Name, known);
    }

    /// <summary>Whether a parse of <paramref name="kind"/> extends the parses an NF began with into one merged stage.</summary>
    private static bool Merges(PendingParse[] parses, HeaderKind kind, bool drops) => parses.Length switch
    {
        0 => kind == HeaderKind.Ethernet,
        1 => kind == HeaderKind.Ipv4,
        _ => !drops && kind switch
        {
            HeaderKind.Ipv6 => parses.Length == 2 && !parses[1].Drops,
            HeaderKind.Tcp or HeaderKind.Udp or HeaderKind.Icmp => parses.All(q => q.Kind != kind),
            _ => false,
        },
    };

    /// <summary>Connect an NF's output to its exit (<paramref name="exit"/>). When the NF added nothing after its entry,
    /// the entry becomes a counter: the packets pass through untouched (the next NF's entry resets what it reads).</summary>
    internal void EndNf(Node exit, string kind)
    {
        if (_pending is { Parses.Length: 0 } p && _attach is { } attach)
        {
            _pending = null;
            var counter = new NfEntryCounter(p.Entry) { Name = p.Entry.Name, Core = Builder.Core };
            attach(counter);
            _attach = n => counter.Next = n;
        }
        Connect(exit, kind);
    }

    /// <summary>Append what is pending (before any operator that does not merge with it).</summary>
    private void AppendPending()
    {
        var p = _pending!;
        _pending = null;
        if (p.Parses.Length >= 2)
        {
            Adopt(p.Parses[0].Drops ? FuseEntry<MustParse>(p) : FuseEntry<MayParse>(p));
            return;
        }
        var q = Fuse(new NfEntryStage(p.Entry), p.Entry, "entry", KnownStack.Empty, register: false);
        if (p.Parses is [var eth])
            q = eth.Drops
                ? q.Fuse(new ParseStage<Ethernet, ParseEthernetFirst>((ParseNode<Ethernet>)eth.Node), eth.Node, "", KnownStack.Ethernet, register: false)
                : q.Fuse(new TryParseStage<Ethernet, ParseEthernetFirst>((TryParseNode<Ethernet>)eth.Node), eth.Node, "", register: false);
        Adopt(q);
    }

    // The merged stage's type says which parses are there and which drop, so the JIT drops the code of the others: one
    // choice per type parameter.
    private Pipe FuseEntry<TEth>(Pending p) where TEth : struct, IParseMode =>
        p.Parses[1].Drops ? FuseEntry<TEth, MustParse>(p) : FuseEntry<TEth, MayParse>(p);

    private Pipe FuseEntry<TEth, TIp4>(Pending p) where TEth : struct, IParseMode where TIp4 : struct, IParseMode =>
        Has(p, HeaderKind.Ipv6) ? FuseEntry<TEth, TIp4, MayParse>(p) : FuseEntry<TEth, TIp4, NoParse>(p);

    private Pipe FuseEntry<TEth, TIp4, TIp6>(Pending p) where TEth : struct, IParseMode where TIp4 : struct, IParseMode
        where TIp6 : struct, IParseMode =>
        Has(p, HeaderKind.Tcp) ? FuseEntry<TEth, TIp4, TIp6, MayParse>(p) : FuseEntry<TEth, TIp4, TIp6, NoParse>(p);

    private Pipe FuseEntry<TEth, TIp4, TIp6, TTcp>(Pending p) where TEth : struct, IParseMode where TIp4 : struct, IParseMode
        where TIp6 : struct, IParseMode where TTcp : struct, IParseMode =>
        Has(p, HeaderKind.Udp) ? FuseEntry<TEth, TIp4, TIp6, TTcp, MayParse>(p) : FuseEntry<TEth, TIp4, TIp6, TTcp, NoParse>(p);

    private Pipe FuseEntry<TEth, TIp4, TIp6, TTcp, TUdp>(Pending p) where TEth : struct, IParseMode where TIp4 : struct, IParseMode
        where TIp6 : struct, IParseMode where TTcp : struct, IParseMode where TUdp : struct, IParseMode =>
        Has(p, HeaderKind.Icmp) ? FuseEntry<TEth, TIp4, TIp6, TTcp, TUdp, MayParse>(p) : FuseEntry<TEth, TIp4, TIp6, TTcp, TUdp, NoParse>(p);

    private Pipe FuseEntry<TEth, TIp4, TIp6, TTcp, TUdp, TIcmp>(Pending p) where TEth : struct, IParseMode where TIp4 : struct, IParseMode
        where TIp6 : struct, IParseMode where TTcp : struct, IParseMode where TUdp : struct, IParseMode where TIcmp : struct, IParseMode
    {
        var steps = new EntryParseStage.Steps(p.Parses[0].Node, p.Parses[1].Node, [.. p.Parses[2..].Select(q => (TryParseNode)q.Node)]);
        var last = p.Parses[^1].Node;
        return Fuse(new EntryParseStage<TEth, TIp4, TIp6, TTcp, TUdp, TIcmp>(p.Entry, steps), last, "", first: p.Entry, register: false);
    }

    private static bool Has(Pending p, HeaderKind kind) => p.Parses.Any(q => q.Kind == kind);
}
