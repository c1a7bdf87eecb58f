using Switchboard.Sdk;

namespace Switchboard.Plugins.Nat;

/// <summary>
/// Source and destination NAT for IPv4 TCP, UDP and ICMP (thesis listings 7 and 8; behaves like iptables
/// MASQUERADE/SNAT plus DNAT port forwards): see <see cref="NatConfig"/> for the configuration and
/// Plugins/Nat/README.md for the design (direction by address, per-core port blocks, shuffles).
/// </summary>
[NetworkFunction("nat", Description = "Source NAT (address pool, port allocation, timeouts) and DNAT port forwards for TCP/UDP/ICMP")]
public sealed class NatNf : INetworkFunction, ICounterSource, IStateHandover, IModelConfig
{
    /// <summary>nat.vmn's model for this config (see <see cref="NatModel"/>); null when no single model describes it.</summary>
    public ModelConfiguration? ModelConfig(NfConfig config) => NatModel.Translate(NatConfig.Parse(config, cores: 1));

    private NatTable _table = null!;
    private bool _ownsTable;

    public Pipe Build(Pipe input, NfContext context)
    {
        var cfg = context.Shared("config", () => NatConfig.Parse(context.Config, context.CoreCount));
        // One table per core, shared by this instance's replicas on that core: the host builds one replica
        // per chain, and the outbound and return chains must see the same mappings. Both run on the core's
        // one thread, so the table needs no locking.
        bool created = false;
        _table = context.Shared($"table@{context.CoreId}", () =>
        {
            created = true;
            return new NatTable(cfg, context.CoreId, context.CoreCount);
        });
        if (created)
        {
            _ownsTable = true;
            context.Every(TimeSpan.FromSeconds(cfg.SweepSeconds), _table.Sweep);
        }
        var pipe = input.TryParse<Ethernet>().TryParse<Ipv4>().TryParse<Tcp>().TryParse<Udp>().TryParse<Icmp>();
        if (context.CoreCount > 1) pipe = pipe.Shuffle(new NatShuffle(cfg, _table.Ports, context.CoreId));
        return pipe.Filter(new Translate(new NatEngine(cfg, _table)));
    }

    /// <summary>This core's table (mappings, counters).</summary>
    public NatTable Table => _table;

    public void ReadCounters(ICollection<KeyValuePair<string, long>> into)
    {
        if (_ownsTable) _table.Counters.Read(into, _table.Active); // reported once per core
    }

    /// <summary>Hot replace: hand this core's mappings to the replacement (only the replica that owns the table).</summary>
    public NfState? ExportState() => _ownsTable ? new NfState(NatTable.StateFormat, _table.ExportState()) : null;

    /// <summary>Take over the predecessor's mappings on this core, so established flows keep their public port.</summary>
    public bool ImportState(NfState state)
    {
        if (state.Format != NatTable.StateFormat || !_ownsTable) return false;
        _table.ImportState(state.Data);
        return true;
    }

    private readonly struct Translate(NatEngine engine) : IFilter
    {
        public bool Keep(Packet p) => engine.Process(p);
    }
}
