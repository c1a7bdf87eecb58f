using Switchboard.Sdk;

namespace Switchboard.Plugins.Ips;

/// <summary>
/// A Snort-style intrusion prevention system (thesis listing 6). Rules (syntax: <see cref="RuleParser"/>)
/// are compiled once into two Aho-Corasick automata shared by every core. TCP payload is matched over the
/// reassembled stream with the Sdk's window operator: windows tumble (slide = size) and the automaton state
/// and each rule's content progress are kept per stream direction across windows, so a signature split
/// across segments, delivered out of order, or straddling two windows is found without rescanning
/// overlap and without bounding distance/within by an overlap size. The default window of 1 byte makes
/// the window node scan every newly contiguous byte before it forwards the packet that completed it, so
/// the packet carrying the end of a signature is already dropped (larger windows scan in bigger steps,
/// but bytes of a partial window wait until it fills or the stream ends). A drop rule marks the flow
/// (both directions) infected; the filter after the window drops all its later packets. Alert rules log
/// (sid, msg, flow) and count only. UDP payloads are matched per packet.
/// <para>Config: <c>rules</c> (array of rule strings), <c>windowSize</c> (bytes, default 1),
/// <c>maxFlows</c> (stream directions per core, default 65536), <c>streamTimeoutSeconds</c> (default 30),
/// <c>infectedTimeoutSeconds</c> (an infected flow is forgotten after this long without packets, default 300).</para>
/// </summary>
[NetworkFunction("ips", Description = "Snort-style IPS: content rules matched by Aho-Corasick over reassembled TCP streams; infected flows dropped")]
public sealed class IpsNf : INetworkFunction, ICounterSource
{
    private IpsInspector _inspector = null!;
    private RuleSet _rules = null!;

    /// <summary>This core's inspector (counters, infected set).</summary>
    public IpsInspector Inspector => _inspector;

    public Pipe Build(Pipe input, NfContext context)
    {
        var cfg = context.Config;
        cfg.RejectUnknownKeys("rules", "windowSize", "maxFlows", "streamTimeoutSeconds", "infectedTimeoutSeconds");
        int windowSize = (int)cfg.GetInt("windowSize", 1, 1, 65536);
        int maxFlows = (int)cfg.GetInt("maxFlows", 65536, 1, 16_777_216);
        int streamTimeout = (int)cfg.GetInt("streamTimeoutSeconds", 30, 1, 86_400);
        int infectedTimeout = (int)cfg.GetInt("infectedTimeoutSeconds", 300, 1, 30 * 86_400);
        var texts = cfg.GetStrings("rules");
        _rules = context.Shared("rules", () => new RuleSet(
            RuleParser.ParseAll(texts, (i, e) => new ConfigException($"{cfg.Path}.rules[{i}]", e.Message))));
        _inspector = new IpsInspector(_rules, context.Log, maxFlows, streamTimeout + 1, infectedTimeout);
        context.Every(TimeSpan.FromSeconds(1), _inspector.Tick);

        var pipe = input.TryParse<Ethernet>().TryParse<Ipv4>().TryParse<Ipv6>().TryParse<Tcp>().TryParse<Udp>();
        if (context.CoreCount > 1) pipe = pipe.Shuffle(new ByConnection()); // both directions and all segments on one core
        var options = new WindowOptions
        {
            WindowSize = windowSize,
            Timeout = TimeSpan.FromSeconds(streamTimeout),
            MaxFlows = maxFlows,
            MaxBufferBytes = Math.Max(64 * 1024, windowSize),
        };
        return pipe.Window(options, new Scan(_inspector)).Filter(new Enforce(_inspector));
    }

    public void ReadCounters(ICollection<KeyValuePair<string, long>> into)
    {
        var i = _inspector;
        into.Add(new("alerts", i.Alerts));
        into.Add(new("drop-matches", i.DropMatches));
        into.Add(new("dropped-packets", i.DroppedPackets));
        into.Add(new("infected-flows", i.InfectedFlows));
        into.Add(new("stream-bytes", i.StreamBytes));
        into.Add(new("udp-bytes", i.UdpBytes));
        into.Add(new("untracked-streams", i.Untracked));
        for (int r = 0; r < i.RuleHits.Length; r++)
            if (i.RuleHits[r] != 0) into.Add(new($"sid-{_rules.Rules[r].Sid}", i.RuleHits[r]));
    }

    private readonly struct Scan(IpsInspector inspector) : IStreamUdf
    {
        public void OnWindow(in StreamContext stream, ReadOnlySpan<byte> data) => inspector.OnWindow(stream, data);
    }

    private readonly struct Enforce(IpsInspector inspector) : IFilter
    {
        public bool Keep(Packet p) => inspector.Keep(p);
    }

    private readonly struct ByConnection : IShuffle
    {
        public uint Key(Packet p) => FlowKey.TryGet(p, out var key) ? key.SymmetricHash() : 0;
    }
}
