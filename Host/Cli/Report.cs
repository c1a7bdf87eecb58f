using System.Text;
using Switchboard.Host.Runtime;
using Switchboard.Sdk;

namespace Switchboard.Host.Cli;

/// <summary>Counter snapshots and the tables printed while and after a run.</summary>
internal static class Report
{
    public sealed record Snapshot(double Seconds, long Rx, long Tx, long Dropped);

    public static Snapshot Take(Dataplane dp, double seconds) => new(
        seconds,
        dp.Ports.Values.Sum(p => p.Counters.RxPackets),
        dp.Ports.Values.Sum(p => p.Counters.TxPackets),
        dp.Workers.Sum(w => w.Core.DroppedTotal) + dp.Ports.Values.Sum(p => p.Counters.TxDropped));

    public static string ProgressLine(Snapshot now, Snapshot before)
    {
        double dt = Math.Max(1e-9, now.Seconds - before.Seconds);
        return $"{now.Seconds,6:F1}s  rx {Rate(now.Rx - before.Rx, dt),8:F2} Mpps  tx {Rate(now.Tx - before.Tx, dt),8:F2} Mpps  " +
               $"dropped {now.Dropped,12:N0}  total rx {now.Rx,14:N0}";
    }

    public static string Final(Dataplane dp, double seconds)
    {
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine($"Ran {seconds:F2} s on {dp.Workers.Count} core(s), batch {dp.Deployment.BatchSize}.");
        sb.AppendLine();
        sb.AppendLine("Network functions (all cores):");
        var rows = dp.Nfs.GroupBy(n => n.Name).Select(g =>
        {
            long inp = g.Sum(n => n.LifetimeIn), outp = g.Sum(n => n.LifetimeOut);
            long dropped = g.Sum(n => n.LifetimeDropped), faulted = g.Sum(n => n.LifetimeFaulted);
            var extra = new List<KeyValuePair<string, long>>();
            foreach (var n in g) if (n.Function is ICounterSource cs) cs.ReadCounters(extra);
            string more = string.Join(", ", extra.GroupBy(e => e.Key).Select(e => $"{e.Key}={e.Sum(x => x.Value):N0}"));
            return new[] { g.Key, g.First().Type, $"{inp:N0}", $"{outp:N0}", $"{dropped:N0}", $"{faulted:N0}", $"{Rate(inp, seconds):F2}", more };
        }).ToList();
        sb.Append(Table(["nf", "type", "in", "out", "dropped", "faulted", "in Mpps", "counters"], rows));
        foreach (var line in ParseDropLines(dp)) sb.AppendLine(line);
        foreach (var node in dp.Nfs.SelectMany(n => n.Nodes).Where(n => n.LastFault is not null).DistinctBy(n => n.Name))
            sb.AppendLine($"  last fault in {node.Name}: {node.LastFault!.GetType().Name}: {node.LastFault.Message}");
        sb.AppendLine();
        sb.AppendLine("Ports:");
        var ports = dp.Ports.Values.Select(p => new[]
        {
            p.Name, p.Kind, $"{p.Counters.RxPackets:N0}", $"{p.Counters.TxPackets:N0}", $"{p.Counters.TxDropped:N0}",
            $"{p.Counters.RxNoBuffer:N0}", $"{Rate(p.Counters.RxPackets, seconds):F2}", $"{Rate(p.Counters.TxPackets, seconds):F2}",
        }).ToList();
        sb.Append(Table(["port", "kind", "rx", "tx", "tx dropped", "rx no-buf", "rx Mpps", "tx Mpps"], ports));
        foreach (var p in dp.Ports.Values.OfType<Ports.Dpdk.IPortStatus>()) sb.AppendLine("  " + p.Status());
        sb.AppendLine();
        sb.AppendLine("Cores:");
        var cores = dp.Workers.Select(w => new[]
        {
            w.Core.CoreId.ToString(), $"{w.Core.DroppedTotal:N0}",
            $"{w.Rounds:N0}", $"{(w.Rounds == 0 ? 0 : 100.0 * w.IdleRounds / w.Rounds):F1}%",
        }).ToList();
        sb.Append(Table(["core", "dropped", "rounds", "idle rounds"], cores));
        return sb.ToString();
    }

    /// <summary>Why parse nodes dropped packets, summed over cores: "ttl/parse-ipv4: 3 Truncated, 1 BadVersion".</summary>
    private static IEnumerable<string> ParseDropLines(Dataplane dp) =>
        dp.Nfs.SelectMany(n => n.Nodes).OfType<IParseFailures>().Cast<Node>()
            .GroupBy(n => n.Name)
            .Select(g => (g.Key, Totals: Enumerable.Range(0, Enum.GetValues<ParseStatus>().Length)
                .Select(i => (Status: (ParseStatus)i, Count: g.Sum(n => ((IParseFailures)n).Failures[i])))
                .Where(t => t.Count > 0).ToList()))
            .Where(x => x.Totals.Count > 0)
            .Select(x => $"  {x.Key} dropped: {string.Join(", ", x.Totals.Select(t => $"{t.Count:N0} {t.Status}"))}");

    public static double Rate(long packets, double seconds) => seconds <= 0 ? 0 : packets / seconds / 1e6;

    public static string Table(string[] header, IReadOnlyList<string[]> rows) => TextTable.Render(header, rows);
}
