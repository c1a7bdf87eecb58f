using System.Runtime.CompilerServices;

namespace Switchboard.Sdk;

/// <summary>
/// Where a packet enters an NF. Counts the NF's input and clears the header stack, so every NF
/// parses from the first byte as in thesis listing 1 and cannot depend on another NF's parse state
/// (per-packet metadata does carry over, on purpose). Runs as the first stage of the NF's first fused
/// node (<see cref="NfEntryStage"/>, or merged with the NF's first parses: <see cref="EntryEthernetIpv4Stage{TEth, TIp}"/>),
/// so the reset costs no loop of its own.
/// </summary>
internal sealed class NfEntryNode : StageNode;

internal unsafe struct NfEntryStage(NfEntryNode node) : IStage
{
    public static int Count => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly int Run(PacketDesc* d, ref int mark, int at)
    {
        d->Headers.Clear();
        d->FlowHash = 0; // an earlier NF may have rewritten addresses (NAT)
        return Outcome.Keep;
    }

    public readonly bool RunFrom(PacketDesc* d, ref int mark, int at, int from) => Run(d, ref mark, at) == Outcome.Keep;
    public readonly void Settle(ref int remaining) => node.Credit(remaining, 0);
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

/// <summary>Whether a parse drops what it refuses (<c>Parse</c>) or passes it on unparsed (<c>TryParse</c>).</summary>
internal interface IParseMode
{
    static abstract bool Drops { get; }
}

internal struct MustParse : IParseMode
{
    public static bool Drops => true;
}

internal struct MayParse : IParseMode
{
    public static bool Drops => false;
}

/// <summary>A parse operator's node, as a merged stage counts a refusal into it.</summary>
internal interface IRefusals
{
    void Refused(ParseStatus status);
}

/// <summary>
/// An NF's entry, its Ethernet parse and its IPv4 parse as one stage, for the NFs that begin that way (each parse a
/// <c>Parse</c> or a <c>TryParse</c>). An untagged frame carrying an option-less, whole IPv4 datagram gets the header
/// stack those three would leave, written at once in six stores (<see cref="HeaderParser.TryWriteEthernetIpv4Stack"/>);
/// any other frame takes the three steps one by one, out of line. Each operator keeps its own node and counts.
/// </summary>
internal unsafe struct EntryEthernetIpv4Stage<TEth, TIp>(NfEntryNode entry, StageNode eth, StageNode ip) : IStage
    where TEth : struct, IParseMode where TIp : struct, IParseMode
{
    private int _ethDropped, _ipDropped;

    public static int Count => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly int Run(PacketDesc* d, ref int mark, int at)
    {
        d->FlowHash = 0; // an earlier NF may have rewritten addresses (NAT)
        return HeaderParser.TryWriteEthernetIpv4Stack(d) ? Outcome.Keep : at;
    }

    public bool RunFrom(PacketDesc* d, ref int mark, int at, int from)
    {
        d->Headers.Clear();
        var status = HeaderParser.ParseEthernetFirst(d);
        if (status != ParseStatus.Ok)
        {
            ((IRefusals)eth).Refused(status);
            if (TEth.Drops) { _ethDropped++; return false; }
            status = HeaderParser.Parse(d, HeaderKind.Ipv4); // nothing parsed: raw IP, as a try-parse leaves it
        }
        else status = HeaderParser.ParseIpv4AfterEthernet(d);
        if (status == ParseStatus.Ok) return true;
        ((IRefusals)ip).Refused(status);
        if (!TIp.Drops) return true;
        _ipDropped++;
        return false;
    }

    public void Settle(ref int remaining)
    {
        entry.Credit(remaining, 0);
        eth.Credit(remaining, _ethDropped);
        remaining -= _ethDropped;
        ip.Credit(remaining, _ipDropped);
        remaining -= _ipDropped;
        _ethDropped = _ipDropped = 0;
    }

    public readonly Node? Fault(int mark, int at) => null;
}

/// <summary>
/// An NF's entry, its Ethernet parse and try-parses of IPv4 and then IPv6 (an NF that takes either IP version) as one
/// stage. The frames <see cref="EntryEthernetIpv4Stage{TEth, TIp}"/> writes at once (and that do not carry IPv6 inside
/// IPv4) are refused by the IPv6 try-parse without reading the stack back, and those refusals are counted per batch
/// (<see cref="Settle"/>), not per packet; any other frame takes the four steps one by one, out of line.
/// </summary>
internal unsafe struct EntryEthernetIpStage<TEth>(NfEntryNode entry, StageNode eth, StageNode ip4, TryParseNode<Ipv6> ip6) : IStage
    where TEth : struct, IParseMode
{
    private int _ethDropped, _ip6Parsed;

    public static int Count => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly int Run(PacketDesc* d, ref int mark, int at)
    {
        d->FlowHash = 0; // an earlier NF may have rewritten addresses (NAT)
        return HeaderParser.TryWriteEthernetIpv4Stack(d, notCarryingIpv6: true) ? Outcome.Keep : at;
    }

    public bool RunFrom(PacketDesc* d, ref int mark, int at, int from)
    {
        d->Headers.Clear();
        var status = HeaderParser.ParseEthernetFirst(d);
        if (status != ParseStatus.Ok)
        {
            ((IRefusals)eth).Refused(status);
            if (TEth.Drops) { _ethDropped++; return false; }
            status = HeaderParser.Parse(d, HeaderKind.Ipv4); // nothing parsed: raw IP, as a try-parse leaves it
        }
        else status = HeaderParser.ParseIpv4AfterEthernet(d);
        if (status != ParseStatus.Ok) ((IRefusals)ip4).Refused(status);
        if (HeaderParser.Parse(d, HeaderKind.Ipv6) == ParseStatus.Ok) _ip6Parsed++;
        return true;
    }

    public void Settle(ref int remaining)
    {
        entry.Credit(remaining, 0);
        eth.Credit(remaining, _ethDropped);
        remaining -= _ethDropped;
        ip4.Credit(remaining, 0);
        ip6.Credit(remaining, 0);
        ip6.NotParsed += remaining - _ip6Parsed; // try-parses drop nothing: every packet left that did not parse IPv6
        _ethDropped = _ip6Parsed = 0;
    }

    public readonly Node? Fault(int mark, int at) => null;
}

public sealed partial class Pipe
{
    /// <summary>An NF's input: its entry is held back (see <see cref="Pending"/>) so that its first parses can merge with it.</summary>
    internal Pipe BeginNf(NfEntryNode entry)
    {
        EnsureOpen();
        Register(entry, "entry");
        return HandOff(new Pending(entry, null, false), entry.Name, KnownStack.Empty);
    }

    /// <summary>A pipe that takes over this one's open output with <paramref name="pending"/> held back; this one is consumed.</summary>
    private Pipe HandOff(Pending pending, string origin, KnownStack known)
    {
        var attach = _attach!;
        _attach = null;
        _pending = null;
        return new Pipe(Builder, attach, origin) { _pending = pending, Known = known };
    }

    /// <summary>
    /// Stages taken but not yet appended: an NF's entry and perhaps its Ethernet parse, so that an IPv4 parse right
    /// after them becomes one <see cref="EntryEthernetIpv4Stage{TEth, TIp}"/>, and perhaps an IPv4 try-parse, so that an
    /// IPv6 try-parse right after it becomes one <see cref="EntryEthernetIpStage{TEth}"/>. Anything else appends them as
    /// they are first.
    /// </summary>
    private sealed record Pending(NfEntryNode Entry, StageNode? Ethernet, bool EthernetDrops, StageNode? Ipv4 = null);

    private Pending? _pending;

    /// <summary>Take an Ethernet or IPv4 parse into the pending entry when it merges; null when it does not.</summary>
    private Pipe? MergeIntoEntry<T>(StageNode node, bool drops, string kind) where T : struct, IHeader
    {
        if (_pending is not { } p) return null;
        if (T.Kind == HeaderKind.Ethernet && p.Ethernet is null)
        {
            Register(node, kind);
            return HandOff(p with { Ethernet = node, EthernetDrops = drops }, node.Name, drops ? KnownStack.Ethernet : KnownStack.Unknown);
        }
        if (T.Kind == HeaderKind.Ipv6 && p.Ipv4 is not null && !drops)
        {
            _pending = null;
            return p.EthernetDrops
                ? Fuse(new EntryEthernetIpStage<MustParse>(p.Entry, p.Ethernet!, p.Ipv4, (TryParseNode<Ipv6>)node), node, kind, first: p.Entry)
                : Fuse(new EntryEthernetIpStage<MayParse>(p.Entry, p.Ethernet!, p.Ipv4, (TryParseNode<Ipv6>)node), node, kind, first: p.Entry);
        }
        if (T.Kind != HeaderKind.Ipv4 || p.Ethernet is null || p.Ipv4 is not null) return null;
        if (!drops)
        {
            // A try-parse of IPv4 waits: a try-parse of IPv6 may follow (an NF taking either version).
            Register(node, kind);
            return HandOff(p with { Ipv4 = node }, node.Name, KnownStack.Unknown);
        }
        _pending = null;
        return (p.EthernetDrops, drops) switch
        {
            (true, true) => Fuse(new EntryEthernetIpv4Stage<MustParse, MustParse>(p.Entry, p.Ethernet, node), node, kind, first: p.Entry),
            (true, false) => Fuse(new EntryEthernetIpv4Stage<MustParse, MayParse>(p.Entry, p.Ethernet, node), node, kind, first: p.Entry),
            (false, true) => Fuse(new EntryEthernetIpv4Stage<MayParse, MustParse>(p.Entry, p.Ethernet, node), node, kind, first: p.Entry),
            (false, false) => Fuse(new EntryEthernetIpv4Stage<MayParse, MayParse>(p.Entry, p.Ethernet, node), node, kind, first: p.Entry),
        };
    }

    /// <summary>Connect an NF's output to its exit (<paramref name="exit"/>). When the NF added nothing after its entry,
    /// the entry becomes a counter: the packets pass through untouched (the next NF's entry resets what it reads).</summary>
    internal void EndNf(Node exit, string kind)
    {
        if (_pending is { Ethernet: null } p && _attach is { } attach)
        {
            _pending = null;
            var counter = new NfEntryCounter(p.Entry) { Name = p.Entry.Name, Core = Builder.Core };
            attach(counter);
            _attach = n => counter.Next = n;
        }
        Connect(exit, kind);
    }

    /// <summary>Append what is pending as it is (before any operator that does not merge with it).</summary>
    private void AppendPending()
    {
        var p = _pending!;
        _pending = null;
        if (p.Ipv4 is { } ip4)
        {
            var merged = p.EthernetDrops
                ? Fuse(new EntryEthernetIpv4Stage<MustParse, MayParse>(p.Entry, p.Ethernet!, ip4), ip4, "", first: p.Entry, register: false)
                : Fuse(new EntryEthernetIpv4Stage<MayParse, MayParse>(p.Entry, p.Ethernet!, ip4), ip4, "", first: p.Entry, register: false);
            Adopt(merged);
            return;
        }
        var q = Fuse(new NfEntryStage(p.Entry), p.Entry, "entry", KnownStack.Empty, register: false);
        if (p.Ethernet is { } eth)
            q = p.EthernetDrops
                ? q.Fuse(new ParseStage<Ethernet, ParseEthernetFirst>((ParseNode<Ethernet>)eth), eth, "", KnownStack.Ethernet, register: false)
                : q.Fuse(new TryParseStage<Ethernet, ParseEthernetFirst>((TryParseNode<Ethernet>)eth), eth, "", register: false);
        Adopt(q);
    }
}
