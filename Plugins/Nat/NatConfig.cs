using System.Globalization;
using System.Runtime.CompilerServices;
using Switchboard.Sdk;

namespace Switchboard.Plugins.Nat;

/// <summary>
/// The validated configuration of one NAT instance, shared read-only by its replicas.
/// <code>
/// "config": {
///   "insideNets": ["10.0.0.0/8"],          // packets from these sources are outbound (inside -> outside)
///   "snat": { "addresses": ["203.0.113.1", "198.51.100.0/30"], "ports": "1024-65535" },
///   "dnat": ["tcp 203.0.113.1:8080 -> 10.0.0.5:80"],
///   "timeouts": { "tcpEstablished": 7440, "tcpTransitory": 240, "udp": 300, "icmp": 60 },
///   "maxMappings": 65536,                  // per core
///   "sweepSeconds": 1
/// }
/// </code>
/// </summary>
public sealed class NatConfig
{
    public const int MaxPoolAddresses = 4096;

    public required Ipv4Net[] InsideNets { get; init; }
    public required uint[] Pool { get; init; }
    public required Dictionary<uint, int> PoolIndex { get; init; }
    public ushort PortMin { get; init; }
    public ushort PortMax { get; init; }
    /// <summary>DNAT: (proto, public address, public port) -> (private address, private port); see <see cref="Key"/>.</summary>
    public required Dictionary<ulong, ulong> DnatForward { get; init; }
    /// <summary>DNAT reverse: (proto, private address, private port) -> (public address, public port).</summary>
    public required Dictionary<ulong, ulong> DnatReverse { get; init; }
    public required HashSet<uint> DnatAddresses { get; init; }
    public int TcpEstablishedSeconds { get; init; }
    public int TcpTransitorySeconds { get; init; }
    public int UdpSeconds { get; init; }
    public int IcmpSeconds { get; init; }
    public int MaxMappings { get; init; }
    public double SweepSeconds { get; init; }

    public bool SnatEnabled => Pool.Length > 0;

    /// <summary>The key of an endpoint in the DNAT tables.</summary>
    public static ulong Key(byte proto, uint address, ushort port) => (ulong)proto << 48 | (ulong)address << 16 | port;
    public static ulong Endpoint(uint address, ushort port) => (ulong)address << 16 | port;

    /// <summary>Whether <paramref name="address"/> is one of ours on the outside (SNAT pool or DNAT public address).
    /// Addresses outside the lowest..highest public address (most packets) are answered without a lookup.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsPublic(uint address) =>
        address - _publicLow <= _publicSpan && (PoolIndex.ContainsKey(address) || DnatAddresses.Contains(address));

    /// <summary>The lowest public address and the distance to the highest (unsigned, so the range check is one
    /// compare). Until <see cref="IndexPublicRange"/> narrows it, every address is looked up.</summary>
    private uint _publicLow, _publicSpan = uint.MaxValue;

    /// <summary>Narrow the range <see cref="IsPublic"/> looks up in to the configured public addresses.</summary>
    private void IndexPublicRange()
    {
        var all = Pool.Concat(DnatAddresses).ToArray();
        if (all.Length == 0) return;
        _publicLow = all.Min();
        _publicSpan = all.Max() - _publicLow;
    }

    /// <summary>Whether DNAT has any rule (outbound packets skip the reverse lookup otherwise).</summary>
    public bool DnatEnabled => DnatForward.Count > 0;

    public bool IsInside(uint address)
    {
        foreach (var n in InsideNets) if (n.Contains(address)) return true;
        return false;
    }

    public static NatConfig Parse(NfConfig cfg, int cores)
    {
        cfg.RejectUnknownKeys("insideNets", "snat", "dnat", "timeouts", "maxMappings", "sweepSeconds");
        var inside = cfg.GetStrings("insideNets").Select((s, i) => Ipv4Net.TryParse(s, out var why)
            ?? throw new ConfigException($"{cfg.Path}.insideNets[{i}]", why!)).ToArray();
        if (inside.Length == 0)
            throw new ConfigException($"{cfg.Path}.insideNets", "required: the inside (private) networks, e.g. [\"10.0.0.0/8\"]");

        var snat = cfg.Section("snat");
        snat.RejectUnknownKeys("addresses", "ports");
        var pool = new List<uint>();
        var addresses = snat.GetStrings("addresses");
        for (int i = 0; i < addresses.Count; i++)
        {
            var net = Ipv4Net.TryParse(addresses[i], out var why) ?? throw new ConfigException($"{snat.Path}.addresses[{i}]", why!);
            if (net.PrefixLength < 20) throw new ConfigException($"{snat.Path}.addresses[{i}]", "a pool is limited to a /20 (4096 addresses)");
            for (ulong a = net.Network; a <= (net.Network | ~net.Mask); a++) pool.Add((uint)a);
        }
        if (pool.Count > MaxPoolAddresses) throw new ConfigException($"{snat.Path}.addresses", $"{pool.Count} addresses; at most {MaxPoolAddresses}");
        var poolIndex = new Dictionary<uint, int>();
        for (int i = 0; i < pool.Count; i++)
            if (!poolIndex.TryAdd(pool[i], i)) throw new ConfigException($"{snat.Path}.addresses", $"{Ipv4.Format(pool[i])} is listed twice");
        var (portMin, portMax) = ParseRange(snat.GetString("ports", "1024-65535"), $"{snat.Path}.ports");
        if (pool.Count > 0 && portMax - portMin + 1 < cores)
            throw new ConfigException($"{snat.Path}.ports", $"{portMax - portMin + 1} ports cannot be split over {cores} cores");

        var forward = new Dictionary<ulong, ulong>();
        var reverse = new Dictionary<ulong, ulong>();
        var dnatAddresses = new HashSet<uint>();
        var rules = cfg.GetStrings("dnat");
        for (int i = 0; i < rules.Count; i++)
        {
            string path = $"{cfg.Path}.dnat[{i}]";
            var (proto, pubA, pubP, privA, privP) = ParseDnat(rules[i], path);
            if (!forward.TryAdd(Key(proto, pubA, pubP), Endpoint(privA, privP)))
                throw new ConfigException(path, $"{Ipv4.Format(pubA)}:{pubP} is already forwarded");
            if (!reverse.TryAdd(Key(proto, privA, privP), Endpoint(pubA, pubP)))
                throw new ConfigException(path, $"{Ipv4.Format(privA)}:{privP} is already the target of another rule (rules must be one-to-one)");
            if (poolIndex.ContainsKey(pubA) && pubP >= portMin && pubP <= portMax)
                throw new ConfigException(path, $"public port {pubP} is inside the SNAT port range {portMin}-{portMax} of {Ipv4.Format(pubA)}; narrow snat.ports");
            dnatAddresses.Add(pubA);
        }
        if (pool.Count == 0 && forward.Count == 0)
            throw new ConfigException(cfg.Path, "nothing to translate: give snat.addresses and/or dnat rules");

        var t = cfg.Section("timeouts");
        t.RejectUnknownKeys("tcpEstablished", "tcpTransitory", "udp", "icmp");
        double sweep = cfg.GetNumber("sweepSeconds", 1);
        if (sweep is < 0.001 or > 3600) throw new ConfigException($"{cfg.Path}.sweepSeconds", $"{sweep} is outside 0.001..3600");
        var config = new NatConfig
        {
            InsideNets = inside,
            Pool = pool.ToArray(),
            PoolIndex = poolIndex,
            PortMin = portMin,
            PortMax = portMax,
            DnatForward = forward,
            DnatReverse = reverse,
            DnatAddresses = dnatAddresses,
            // Defaults follow the NAT behavioural RFCs: RFC 5382 (TCP: >= 2 h 4 min established, 4 min transitory),
            // RFC 4787 (UDP: 5 min recommended), RFC 5508 (ICMP query: >= 60 s).
            TcpEstablishedSeconds = (int)t.GetInt("tcpEstablished", 7440, 1, 864000),
            TcpTransitorySeconds = (int)t.GetInt("tcpTransitory", 240, 1, 864000),
            UdpSeconds = (int)t.GetInt("udp", 300, 1, 864000),
            IcmpSeconds = (int)t.GetInt("icmp", 60, 1, 864000),
            MaxMappings = (int)cfg.GetInt("maxMappings", 65536, 16, 16_777_216),
            SweepSeconds = sweep,
        };
        config.IndexPublicRange();
        return config;
    }

    private static (ushort, ushort) ParseRange(string text, string path)
    {
        var parts = text.Split('-');
        if (parts.Length is 1 or 2 && ushort.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out ushort lo)
            && ushort.TryParse(parts[^1], NumberStyles.None, CultureInfo.InvariantCulture, out ushort hi) && lo >= 1 && lo <= hi)
            return (lo, hi);
        throw new ConfigException(path, $"'{text}' is not a port range like 1024-65535");
    }

    /// <summary><c>tcp 203.0.113.1:8080 -> 10.0.0.5:80</c> (iptables' <c>-p tcp -d 203.0.113.1 --dport 8080 -j DNAT --to-destination 10.0.0.5:80</c>).</summary>
    private static (byte, uint, ushort, uint, ushort) ParseDnat(string rule, string path)
    {
        var parts = rule.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 4 || parts[2] != "->")
            throw new ConfigException(path, $"'{rule}': expected 'tcp|udp PUBLIC_IP:PORT -> PRIVATE_IP:PORT'");
        byte proto = parts[0].ToLowerInvariant() switch
        {
            "tcp" => Ipv4.ProtoTcp,
            "udp" => Ipv4.ProtoUdp,
            _ => throw new ConfigException(path, $"protocol '{parts[0]}' must be tcp or udp"),
        };
        var (pa, pp) = ParseEndpoint(parts[1], path);
        var (qa, qp) = ParseEndpoint(parts[3], path);
        return (proto, pa, pp, qa, qp);
    }

    private static (uint, ushort) ParseEndpoint(string text, string path)
    {
        int colon = text.LastIndexOf(':');
        if (colon > 0 && Ipv4Net.TryParseAddress(text[..colon], out uint a)
            && ushort.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out ushort p) && p > 0)
            return (a, p);
        throw new ConfigException(path, $"'{text}' is not an IPv4 address:port");
    }
}
