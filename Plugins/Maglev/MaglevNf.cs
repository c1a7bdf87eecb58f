using Switchboard.Sdk;

namespace Switchboard.Plugins.Maglev;

/// <summary>What Maglev leaves in per-packet metadata for later NFs: the chosen backend's index in the configuration.</summary>
public struct MaglevChoice
{
    public int Backend;
}

/// <summary>
/// Maglev load balancer (thesis listing 3; Eisenbud et al., NSDI 2016). Packets are shuffled by flow so a
/// flow stays on one core, then grouped by backend: a connection cache remembers each flow's backend, and a
/// new flow takes the lookup table's entry for its 5-tuple hash. Each backend's branch records the choice
/// in <see cref="MaglevChoice"/> metadata and rewrites the destination (MAC in "dsr" mode, IPv4 address in
/// "nat" mode); the branches merge into the NF's one output. The table lives in a bounded-consistency store
/// that <see cref="Control"/> (the control plane) updates at run time. See Plugins/Maglev/README.md.
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

        var pipe = input.Parse<Ethernet>().TryParse<Ipv4>().TryParse<Ipv6>().TryParse<Tcp>().TryParse<Udp>();
        if (context.CoreCount > 1) pipe = pipe.ShuffleByFlow();
        var branches = pipe.GroupBy(cfg.Backends.Count, new PickBackend(_cache, _control, _counters));
        for (int i = 0; i < branches.Length; i++)
        {
            var b = cfg.Backends[i];
            branches[i] = branches[i].Filter(new SendTo(i, cfg.Mode, b.Mac ?? default, b.Ip ?? 0, _counters));
        }
        return Pipe.Merge(branches);
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

    private readonly struct PickBackend(ConnectionCache cache, MaglevControl control, Counters counters) : IGroupBy
    {
        public int Group(Packet p)
        {
            if (!FlowKey.TryGet(p, out var key)) { counters.NonIp++; return -1; }
            var table = control.Table.Published; // one volatile read: the control plane may publish any time
            // Multiply-shift on a remixed hash: independent of the shuffle's hash % cores.
            uint hash = key.Hash();
            int position = (int)(((ulong)(hash * 0x9E3779B1u) * (uint)table.Length) >> 32);
            int backend = cache.Resolve(key, hash, table, position);
            if (backend < 0) counters.NoBackend++;
            return backend;
        }
    }

    private readonly struct SendTo(int backend, MaglevMode mode, MacAddress mac, uint ip, Counters counters) : IFilter
    {
        public bool Keep(Packet p)
        {
            p.Metadata<MaglevChoice>().Backend = backend;
            if (mode == MaglevMode.Dsr)
            {
                p.Ethernet.Destination = mac;
                return true;
            }
            if (!p.Has(HeaderKind.Ipv4)) { counters.NotIpv4++; return false; }
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
