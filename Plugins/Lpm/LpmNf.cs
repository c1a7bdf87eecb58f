using System.Net;
using System.Net.Sockets;
using Switchboard.Sdk;
using Switchboard.Sdk.State;

namespace Switchboard.Plugins.Lpm;

/// <summary>
/// What the LPM router leaves in each forwarded packet's metadata (<c>p.Metadata&lt;RouteMetadata&gt;()</c>,
/// bytes 0-3): the next hop chosen. Later nodes (a group-by onto output ports, a MAC rewrite) read it.
/// </summary>
public struct RouteMetadata
{
    /// <summary>The next hop of the longest matching route, or the configured default.</summary>
    public int NextHop;
}

/// <summary>
/// A longest-prefix-match IPv4 router over a DIR-24-8 table (thesis 3.3.2). It looks up each IPv4
/// packet's destination and writes the next hop into <see cref="RouteMetadata"/>; it returns one pipe,
/// so where packets go per next hop is the next node's choice (e.g. <c>GroupBy</c> on the metadata).
/// Packets with no matching route and no default are dropped (counted); non-IPv4 frames are dropped
/// by the IPv4 parse. The table is shared by all cores; the control plane changes routes at runtime
/// through <see cref="Table"/> (<see cref="LpmTable.Add"/>/<see cref="LpmTable.Remove"/>) while
/// cores keep forwarding from the last published snapshot.
/// <para>Config: <c>routes</c> (array of <c>{"prefix": "10.0.0.0/8", "nextHop": 1}</c>), <c>default</c>
/// (next hop when nothing matches; absent = drop), <c>bound</c> (route changes readers may miss, default 0).</para>
/// </summary>
[NetworkFunction("lpm", Description = "IPv4 longest-prefix-match router (DIR-24-8); next hop into packet metadata")]
public sealed class LpmNf : INetworkFunction, ICounterSource, IModelConfig
{
    /// <summary>lpm.vmn's model for the configured routes (see <see cref="LpmModel"/>).</summary>
    public ModelConfiguration? ModelConfig(NfConfig config)
    {
        config.RejectUnknownKeys("routes", "default", "bound");
        config.GetInt("default", -1, 0, Dir248Fib.MaxNextHop);
        return LpmModel.Translate(ReadRoutes(config), config.Has("default"));
    }

    private LpmTable _table = null!;
    private readonly Counters _counters = new();

    /// <summary>The routing table shared by this instance's cores (route changes go here).</summary>
    public LpmTable Table => _table;

    public Pipe Build(Pipe input, NfContext context)
    {
        var cfg = context.Config;
        cfg.RejectUnknownKeys("routes", "default", "bound");
        int defaultHop = (int)cfg.GetInt("default", -1, 0, Dir248Fib.MaxNextHop);
        int bound = (int)cfg.GetInt("bound", 0, 0, 1_000_000);
        var routes = ReadRoutes(cfg);
        _table = context.Shared("table", () => new LpmTable(routes, bound, StateWriter.ControlPlane));
        return input.Parse<Ethernet>().Parse<Ipv4>().Filter(new NextHopLookup(_table, defaultHop, _counters));
    }

    public void ReadCounters(ICollection<KeyValuePair<string, long>> into)
    {
        into.Add(new("routed", _counters.Routed));
        into.Add(new("default-route", _counters.Defaulted));
        into.Add(new("no-route", _counters.NoRoute));
    }

    private static List<Route> ReadRoutes(NfConfig cfg)
    {
        var list = new List<Route>();
        foreach (var item in cfg.GetObjects("routes"))
        {
            item.RejectUnknownKeys("prefix", "nextHop");
            int hop = (int)item.GetInt("nextHop", null, 0, Dir248Fib.MaxNextHop);
            list.Add(ParseRoute(item.GetString("prefix"), hop, $"{item.Path}.prefix"));
        }
        return list;
    }

    /// <summary>Parse "a.b.c.d/len" (host bits must be zero); errors name <paramref name="path"/>.</summary>
    public static Route ParseRoute(string prefix, int nextHop, string path)
    {
        int slash = prefix.IndexOf('/');
        string addr = slash < 0 ? prefix : prefix[..slash];
        if (!IPAddress.TryParse(addr, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork || addr.Count(c => c == '.') != 3)
            throw new ConfigException(path, $"'{prefix}' is not an IPv4 prefix like 10.0.0.0/8");
        int len = 32;
        if (slash >= 0 && (!int.TryParse(prefix[(slash + 1)..], out len) || len is < 0 or > 32))
            throw new ConfigException(path, $"'{prefix}': prefix length must be 0-32");
        var b = ip.GetAddressBytes();
        var route = new Route((uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]), len, nextHop);
        try { LpmTable.Validate(route); }
        catch (ArgumentException e) { throw new ConfigException(path, e.Message); }
        return route;
    }

    private sealed class Counters
    {
        public long Routed, Defaulted, NoRoute;
    }

    private readonly struct NextHopLookup(LpmTable table, int defaultHop, Counters counters) : IFilter
    {
        public bool Keep(Packet p)
        {
            int hop = table.Fib.Lookup(p.Ipv4.Destination);
            if (hop >= 0) counters.Routed++;
            else if (defaultHop >= 0) { hop = defaultHop; counters.Defaulted++; }
            else { counters.NoRoute++; return false; }
            p.Metadata<RouteMetadata>().NextHop = hop;
            return true;
        }
    }
}
