using System.Runtime.CompilerServices;
using Switchboard.Sdk;
using Switchboard.Sdk.State;

namespace Switchboard.Plugins.Monitor;

/// <summary>
/// Per-flow packet and byte counters (thesis 3.3.2's monitor). Each core counts the flows it sees in
/// its own table (flows stay on one core, so no sharing is needed); tables are bounded by
/// <c>maxFlows</c> and packets of flows beyond it are counted as untracked. IPv4 and IPv6 flows are counted;
/// non-IP traffic passes, counted as such.
/// Config: <c>maxFlows</c> (default 65536), <c>reportSeconds</c> (log the busiest flows periodically; 0 = off),
/// <c>top</c> (how many flows a report lists, default 5).
/// </summary>
[NetworkFunction("monitor", Description = "Per-flow packet and byte counters; passes all traffic")]
public sealed class MonitorNf : INetworkFunction, ICounterSource
{
    private MonitorTable _table = null!;

    public Pipe Build(Pipe input, NfContext context)
    {
        var cfg = context.Config;
        cfg.RejectUnknownKeys("maxFlows", "reportSeconds", "top");
        int maxFlows = (int)cfg.GetInt("maxFlows", 65536, 1, 16_777_216);
        double reportSeconds = cfg.GetNumber("reportSeconds", 0);
        int top = (int)cfg.GetInt("top", 5, 1, 1000);
        _table = new MonitorTable(maxFlows);
        if (reportSeconds > 0)
            context.Every(TimeSpan.FromSeconds(reportSeconds), () => context.Log(_table.Describe(top)));
        return input.TryParse<Ethernet>().TryParse<Ipv4>().TryParse<Ipv6>().Transform(new CountFlow(_table));
    }

    /// <summary>This core's table (for tests and reports).</summary>
    public MonitorTable Table => _table;

    public void ReadCounters(ICollection<KeyValuePair<string, long>> into)
    {
        into.Add(new("flows", _table.Count));
        into.Add(new("bytes", _table.Bytes));
        into.Add(new("untracked", _table.Untracked));
        into.Add(new("non-ip", _table.NonIp));
    }

    private readonly struct CountFlow(MonitorTable table) : ITransform
    {
        public void Transform(Packet p) => table.Record(p);
    }
}

/// <summary>One core's flow counters: a bounded <see cref="FlowTable{TValue}"/>, one hash and usually one cache line per packet.</summary>
public sealed class MonitorTable(int capacity)
{
    private readonly FlowTable<FlowCounters> _flows = new(capacity);

    public int Count => _flows.Count;
    public long Bytes { get; private set; }
    public long Untracked { get; private set; }
    public long NonIp { get; private set; }

    public void Record(Packet p)
    {
        if (!FlowKey.TryGet(p, out var key, out uint hash)) { NonIp++; return; }
        Bytes += p.Length;
        ref var c = ref _flows.GetOrAdd(key, hash, out _);
        if (Unsafe.IsNullRef(ref c)) { Untracked++; return; } // full: a new flow is not tracked
        c.Packets++;
        c.Bytes += p.Length;
    }

    public FlowCounters Get(FlowKey key)
    {
        ref var c = ref _flows.Find(key, key.TableHash());
        return Unsafe.IsNullRef(ref c) ? default : c;
    }

    public string Describe(int top) =>
        $"{_flows.Count} flows, {Bytes} bytes; busiest: " +
        string.Join("; ", _flows.Snapshot().OrderByDescending(f => f.Value.Bytes).Take(top).Select(f => $"{f.Key} {f.Value.Packets} pkts"));
}

public record struct FlowCounters(long Packets, long Bytes);
