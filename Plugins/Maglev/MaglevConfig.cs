using Switchboard.Sdk;

namespace Switchboard.Plugins.Maglev;

/// <summary>How a packet is sent to its backend once chosen.</summary>
public enum MaglevMode
{
    /// <summary>Direct server return: rewrite the destination MAC (the backend owns the service address).</summary>
    Dsr,
    /// <summary>Rewrite the destination IPv4 address (HAProxy-style, listing 9), with checksum updates.</summary>
    Nat,
}

/// <summary>One backend: its name (which seeds its permutation), weight, and where to send to.</summary>
public sealed record MaglevBackend(string Name, int Weight, MacAddress? Mac, uint? Ip);

/// <summary>
/// The validated configuration:
/// <code>
/// "config": {
///   "backends": {
///     "web-1": { "mac": "02:00:00:00:01:01", "ip": "10.1.0.1", "weight": 1 },
///     "web-2": { "mac": "02:00:00:00:01:02", "ip": "10.1.0.2", "weight": 2 },
///     "spare": { "mac": "02:00:00:00:01:03", "weight": 0 }     // configured but out of the table until added
///   },
///   "mode": "dsr",            // "dsr" rewrites the destination MAC, "nat" the destination IPv4 address
///   "tableSize": 65537,       // prime
///   "maxFlows": 65536,        // connection-cache entries per core
///   "flowTimeoutSeconds": 120,
///   "sweepSeconds": 1
/// }
/// </code>
/// </summary>
public sealed class MaglevConfig
{
    public const int MaxBackends = 4096;

    public required IReadOnlyList<MaglevBackend> Backends { get; init; }
    public MaglevMode Mode { get; init; }
    public int TableSize { get; init; }
    public int MaxFlows { get; init; }
    public int FlowTimeoutSeconds { get; init; }
    public double SweepSeconds { get; init; }

    public static MaglevConfig Parse(NfConfig cfg)
    {
        cfg.RejectUnknownKeys("backends", "mode", "tableSize", "maxFlows", "flowTimeoutSeconds", "sweepSeconds");
        var mode = cfg.GetString("mode", "dsr") switch
        {
            "dsr" => MaglevMode.Dsr,
            "nat" => MaglevMode.Nat,
            var m => throw new ConfigException($"{cfg.Path}.mode", $"'{m}' must be \"dsr\" (rewrite the MAC) or \"nat\" (rewrite the IPv4 address)"),
        };
        if (!cfg.Has("backends")) throw new ConfigException($"{cfg.Path}.backends", "required but missing");
        var section = cfg.Section("backends");
        var backends = new List<MaglevBackend>();
        foreach (var name in section.Keys)
        {
            var b = section.Section(name);
            b.RejectUnknownKeys("mac", "ip", "weight");
            int weight = (int)b.GetInt("weight", 1, 0, 1000);
            MacAddress? mac = null;
            uint? ip = null;
            if (b.Has("mac"))
            {
                try { mac = MacAddress.Parse(b.GetString("mac")); }
                catch (FormatException e) { throw new ConfigException($"{b.Path}.mac", e.Message); }
            }
            if (b.Has("ip"))
            {
                string text = b.GetString("ip");
                if (!TryParseIpv4(text, out uint a)) throw new ConfigException($"{b.Path}.ip", $"'{text}' is not an IPv4 address");
                ip = a;
            }
            if (mode == MaglevMode.Dsr && mac is null) throw new ConfigException($"{b.Path}.mac", "required in \"dsr\" mode");
            if (mode == MaglevMode.Nat && ip is null) throw new ConfigException($"{b.Path}.ip", "required in \"nat\" mode");
            backends.Add(new MaglevBackend(name, weight, mac, ip));
        }
        if (backends.Count == 0) throw new ConfigException($"{cfg.Path}.backends", "at least one backend is needed");
        if (backends.Count > MaxBackends) throw new ConfigException($"{cfg.Path}.backends", $"{backends.Count} backends; at most {MaxBackends}");
        int size = (int)cfg.GetInt("tableSize", MaglevTable.DefaultSize, 2, 16_777_259);
        if (!MaglevTable.IsPrime(size)) throw new ConfigException($"{cfg.Path}.tableSize", $"{size} is not prime (Maglev needs a prime table size, e.g. 65537 or 655373)");
        if (size < backends.Count * 10)
            throw new ConfigException($"{cfg.Path}.tableSize", $"{size} entries is too small for {backends.Count} backends (use at least 100 per backend for an even spread)");
        double sweep = cfg.GetNumber("sweepSeconds", 1);
        if (sweep is < 0.001 or > 3600) throw new ConfigException($"{cfg.Path}.sweepSeconds", $"{sweep} is outside 0.001..3600");
        return new MaglevConfig
        {
            Backends = backends,
            Mode = mode,
            TableSize = size,
            MaxFlows = (int)cfg.GetInt("maxFlows", 65536, 1, 4_194_304),
            FlowTimeoutSeconds = (int)cfg.GetInt("flowTimeoutSeconds", 120, 1, 864000),
            SweepSeconds = sweep,
        };
    }

    private static bool TryParseIpv4(string text, out uint address)
    {
        address = 0;
        var parts = text.Split('.');
        if (parts.Length != 4) return false;
        foreach (var part in parts)
        {
            if (part.Length is 0 or > 3 || !byte.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out byte b)) return false;
            address = address << 8 | b;
        }
        return true;
    }
}
