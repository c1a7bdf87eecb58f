using System.Runtime.CompilerServices;
using Switchboard.Sdk;

namespace Switchboard.Plugins.Maglev;

/// <summary>What Maglev leaves in per-packet metadata for later NFs: the chosen backend's index in the configuration.</summary>
public struct MaglevChoice
{
    public int Backend;
}

/// <summary>
/// Maglev load balancer (thesis listing 3; Eisenbud et al., NSDI 2016). Packets are shuffled by flow so a
/// flow stays on one core, then each packet's backend is picked: a connection cache remembers each flow's
/// backend, and a new flow takes the lookup table's entry for its 5-tuple hash. The same filter records the
/// choice in <see cref="MaglevChoice"/> metadata and rewrites the destination for that backend (MAC in "dsr"
/// mode, IPv4 address in "nat" mode). Listing 3 groups by backend into one branch each and merges them again;
/// one filter has the same effect per packet without queueing packets per branch (and keeps their order).
/// The table lives in a bounded-consistency store that <see cref="Control"/> (the control plane) updates at
/// run time. See Plugins/Maglev/README.md.
/// </summary>
[NetworkFunction("maglev", Description = "Maglev consistent-hashing load balancer (weighted backends, connection cache, DSR or NAT)")]
public sealed class MaglevNf : INetworkFunction, ICounterSource, IModelConfig
{
    /// <summary>lb.vmn's model for this config (see <see cref="MaglevModel"/>); null in "dsr" mode.</summary>
    public ModelConfiguration? ModelConfig(NfConfig config) => MaglevModel.Translate(MaglevConfig.Parse(config));

    private ConnectionCache _cache = null!;
    private MaglevControl _control = null!;
    private readonly Counters _counters = new();

    public Pipe Build(Pipe input, NfContext context)
    {
        var cfg = context.Shared("config", () => MaglevConfig.Parse(context.Config));
        _control = context.Shared("control", () => new MaglevControl(cfg));
        _cache = new ConnectionCache(cfg.MaxFlows, cfg.FlowTimeoutSeconds, cfg.SweepSeconds);
        context.Every(TimeSpan.FromSeconds(cfg.SweepSeconds), _cache.Sweep);

        var pipe = input.Parse<Ethernet>().TryParse<Ipv4>().TryParse<Ipv6>();
        // The flow key reads ports from the datagram itself; only "nat" mode's checksum updates need TCP/UDP parsed.
        if (cfg.Mode == MaglevMode.Nat) pipe = pipe.TryParse<Tcp>().TryParse<Udp>();
        if (context.CoreCount > 1) pipe = pipe.ShuffleByFlow();
        var macs = cfg.Backends.Select(b => b.Mac ?? default).ToArray();
        var ips = cfg.Backends.Select(b => b.Ip ?? 0).ToArray();
        // One filter picks the backend and rewrites the packet for it: it runs in the parse stages' fused loop,
        // where a group-by into per-backend branches (listing 3) queues every packet and runs one node per backend.
        return pipe.Filter(new Balance(new PickBackend(_cache, _control, _counters), new SendTo(cfg.Mode, macs, ips, _counters)));
    }

    /// <summary>The instance's control plane (shared by every core's replica).</summary>
    public MaglevControl Control => _control;
    /// <summary>This core's connection cache.</summary>
    public ConnectionCache Cache => _cache;

    public void ReadCounters(ICollection<KeyValuePair<string, long>> into)
    {
        into.Add(new("flows", _cache.Count));
        into.Add(new("cache-hits", _cache.Hits));
        into.Add(new("new-flows", _cache.Misses));
        into.Add(new("untracked", _cache.Untracked));
        into.Add(new("expired", _cache.Expired));
        into.Add(new("no-backend", _counters.NoBackend));
        into.Add(new("non-ip", _counters.NonIp));
        into.Add(new("not-ipv4", _counters.NotIpv4));
    }

    private sealed class Counters
    {
        public long NoBackend, NonIp, NotIpv4;
    }

    /// <summary>The backend of a packet's flow: the connection cache's, or the lookup table's for a new flow; -1 to drop.</summary>
    private readonly struct PickBackend(ConnectionCache cache, MaglevControl control, Counters counters)
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Group(Packet p)
        {
            if (!FlowKey.TryGet(p, out var key, out uint slotHash)) { counters.NonIp++; return -1; }
            int backend = cache.Resolve(key, slotHash, control.Table); // reads the published table (volatile) only for a new flow
            if (backend < 0) counters.NoBackend++;
            return backend;
        }
    }

    private readonly struct Balance(PickBackend pick, SendTo send) : IFilter
    {
        public bool Keep(Packet p)
        {
            int backend = pick.Group(p);
            return backend >= 0 && send.Keep(p, backend);
        }
    }

    /// <summary>Record the choice and rewrite the destination for <c>backend</c> (its MAC, or its IPv4 address in nat mode).</summary>
    private readonly struct SendTo(MaglevMode mode, MacAddress[] macs, uint[] ips, Counters counters)
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Keep(Packet p, int backend)
        {
            p.Metadata<MaglevChoice>().Backend = backend;
            if (mode == MaglevMode.Dsr)
            {
                p.Ethernet.Destination = macs[backend];
                return true;
            }
            if (!p.Has(HeaderKind.Ipv4)) { counters.NotIpv4++; return false; }
            uint ip = ips[backend];
            ref var v4 = ref p.Ipv4;
            uint old = v4.Destination;
            v4.Destination = ip;
            v4.Checksum = Checksum.Update(v4.Checksum, old, ip);
            if (p.Has(HeaderKind.Tcp)) p.Tcp.Checksum = Checksum.Update(p.Tcp.Checksum, old, ip);
            else if (p.Has(HeaderKind.Udp) && p.Udp.Checksum != 0)
            {
                ushort cs = Checksum.Update(p.Udp.Checksum, old, ip);
                p.Udp.Checksum = cs == 0 ? (ushort)0xFFFF : cs;
            }
            return true;
        }
    }
}
