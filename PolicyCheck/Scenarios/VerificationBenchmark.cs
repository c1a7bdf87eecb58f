using System.Diagnostics;
using Switchboard.PolicyCheck.Network;
using Switchboard.PolicyCheck.Smt;
using Switchboard.PolicyCheck.Verification;

namespace Switchboard.PolicyCheck.Scenarios;

/// <summary>
/// The tables behind thesis figures 4.2–4.3 on the generated datacenter (all three misconfigurations planted):
/// per-invariant solver time (median, p95) on slices and on the whole network as the network grows, and the time to
/// verify every invariant of the network with slices and symmetry (wall clock, all cores).
/// </summary>
public static class VerificationBenchmark
{
    /// <summary>Network sizes measured: (groups, hosts per group).</summary>
    public static readonly IReadOnlyList<(int Groups, int Hosts)> DefaultSizes = [(4, 5), (6, 5), (8, 10), (16, 10), (10, 100)];

    public static async Task RunAsync(TextWriter output, ISolver solver, IReadOnlyList<(int Groups, int Hosts)>? sizes = null,
        int sample = 20, int wholeNetworkLimit = 80, CancellationToken cancellationToken = default)
    {
        sizes ??= DefaultSizes;
        var options = new SolverOptions { Timeout = TimeSpan.FromSeconds(20), Reseeds = 0 };
        // Whole-network queries: one attempt of 10 s each (they are the slow side; an undecided one is counted).
        var wholeOptions = new SolverOptions { Timeout = TimeSpan.FromSeconds(10), FirstTimeout = TimeSpan.FromSeconds(10) };
        output.WriteLine($"VMN benchmark: datacenter of figure 4.1 with all three misconfigurations planted; solver {solver.Name}; {Environment.ProcessorCount} cores.");
        output.WriteLine($"Per-invariant times are solver times of {sample} sampled invariants (sequential; whole network: {Math.Max(3, sample / 4)} of them, 10 s limit, unknowns counted);");
        output.WriteLine("'z3 cpu' is the median CPU time the (pooled) z3 process spent per sampled query, independent of other load;");
        output.WriteLine("'all invs' verifies every invariant with slices + symmetry on all cores (wall clock).");
        output.WriteLine();
        output.WriteLine($"{"hosts",6} {"groups",6} {"invs",6} | {"slice nodes",11} {"sliced med",10} {"p95",8} {"z3 cpu",7} | {"whole med",10} {"p95",8} {"unknown",7} | {"all invs",9} {"queries",7} {"wall",9}");
        foreach (var (groups, hosts) in sizes)
        {
            var scenario = DatacenterScenario.Generate(groups, hosts, seed: groups * 1000 + hosts,
                [Misconfiguration.FirewallRules, Misconfiguration.RedundantFirewalls, Misconfiguration.RedundantRouting], perClass: Math.Max(1, groups / 4));
            var network = NetworkLoader.Parse(scenario.Json, scenario.Name).Network
                ?? throw new InvalidOperationException($"generated network {scenario.Name} does not load");
            var rng = new Random(7);
            var picked = network.Invariants.OrderBy(_ => rng.Next()).Take(sample).ToList();
            var verifier = new IsolationVerifier(solver);
            var slicer = new Slicer(network);

            var sliced = new List<double>();
            var z3Cpu = new List<double>();
            var cpuMeter = new SolverCpuMeter(solver);
            var sliceSizes = new List<int>();
            foreach (var inv in picked)
            {
                var slice = slicer.Compute(inv);
                sliceSizes.Add(slice.Nodes.Count);
                var r = await NetworkVerifier.VerifyOne(network, inv, slice, verifier, options, cancellationToken);
                sliced.Add(r.Elapsed.TotalMilliseconds);
                if (cpuMeter.Next() is { } ms) z3Cpu.Add(ms);
            }

            string wholeMedian = "-", wholeP95 = "-", unknown = "-";
            if (scenario.Hosts <= wholeNetworkLimit)
            {
                var whole = new List<double>();
                int unknowns = 0;
                foreach (var inv in picked.Take(Math.Max(3, sample / 4)))
                {
                    var r = await NetworkVerifier.VerifyOne(network, inv, slicer.Whole(), verifier, wholeOptions, cancellationToken);
                    whole.Add(r.Elapsed.TotalMilliseconds);
                    if (r.Verdict == Verdict.Unknown) unknowns++;
                }
                wholeMedian = $"{Percentile(whole, 0.5):F0} ms";
                wholeP95 = $"{Percentile(whole, 0.95):F0} ms";
                unknown = unknowns.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            var clock = Stopwatch.StartNew();
            var all = await new NetworkVerifier(solver).VerifyAllAsync(network, options: options, slicing: true, symmetry: true, cancellationToken: cancellationToken);
            var wall = clock.Elapsed;
            int queries = all.Count(r => r.SymmetricTo is null);
            int wrong = all.Count(r => r.MeetsExpectation != true);
            output.WriteLine($"{scenario.Hosts,6} {groups,6} {all.Count,6} | {sliceSizes.Average(),11:F1} {Percentile(sliced, 0.5),7:F0} ms {Percentile(sliced, 0.95),5:F0} ms {(z3Cpu.Count > 0 ? $"{Percentile(z3Cpu, 0.5),4:F0} ms" : "-"),7} | {wholeMedian,10} {wholeP95,8} {unknown,7} | {all.Count,9} {queries,7} {wall.TotalSeconds,7:F1} s{(wrong > 0 ? $"  ({wrong} verdicts differ from the planted truth)" : "")}");
            foreach (var r in all.Where(r => r.MeetsExpectation != true))
                output.WriteLine($"    differs: {r.ToString().Split(Environment.NewLine)[0]} (expected {r.Invariant.Expect})");
        }
        await SymmetryTable(output, solver, options, cancellationToken);
        await DataIsolationBenchmark.RunAsync(output, solver, options, cancellationToken: cancellationToken);
        if (sizes == DefaultSizes) await RunScaleAsync(output, solver, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// The whole datacenter at scale (default 100 groups of 10 hosts, all three misconfigurations planted, 3 of each):
    /// isolation between every ordered pair of distinct groups (groups x (groups - 1) invariants; the denied pairs
    /// expect "holds" unless a planted misconfiguration breaks them, the allowed ones "violated"), verified with slices
    /// and both symmetry stages on all cores. Prints the time to load the network and to verify every invariant, the
    /// queries left after symmetry, where the time went, and the per-query solver times.
    /// </summary>
    public static async Task RunScaleAsync(TextWriter output, ISolver solver, int groups = 100, int hostsPerGroup = 10, int planted = 3,
        CancellationToken cancellationToken = default)
    {
        var options = new SolverOptions { Timeout = TimeSpan.FromSeconds(20), Reseeds = 0 };
        output.WriteLine();
        output.WriteLine($"Whole datacenter: {groups} groups x {hostsPerGroup} hosts, {planted} of each misconfiguration planted; isolation between every ordered pair of groups;");
        output.WriteLine($"slices + symmetry (policy classes, then slice signatures), {Environment.ProcessorCount} cores, solver {solver.Name}.");
        var clock = Stopwatch.StartNew();
        var scenario = DatacenterScenario.Generate(groups, hostsPerGroup, seed: groups * 1000 + hostsPerGroup,
            [Misconfiguration.FirewallRules, Misconfiguration.RedundantFirewalls, Misconfiguration.RedundantRouting], perClass: planted);
        var network = NetworkLoader.Parse(scenario.Json, scenario.Name).Network
            ?? throw new InvalidOperationException($"generated network {scenario.Name} does not load");
        var load = clock.Elapsed;
        var names = Enumerable.Range(0, groups).Select(i => "g" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        // Reachable pairs: the policy's (g_i -> g_i+1) and the planted firewall holes (violated under failures).
        var reachable = Enumerable.Range(0, groups).Select(i => (names[i], names[(i + 1) % groups]))
            .Concat(scenario.Violated.Where(v => v.StartsWith("iso:", StringComparison.Ordinal)).Select(v => v[4..].Split("->") is [var f, var t] ? (f, t) : ("", "")))
            .ToHashSet();
        var invariants = InvariantSets.AcrossGroups(names, allow: reachable);

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        clock.Restart();
        var verifier = new NetworkVerifier(solver);
        var results = await verifier.VerifyAllAsync(network, invariants, options, slicing: true, symmetry: true, cancellationToken: cancellationToken);
        var wall = clock.Elapsed;
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var stats = verifier.Stats;
        var times = stats.QueryTimes.Select(t => t.TotalMilliseconds).ToList();
        int wrong = results.Count(r => r.MeetsExpectation != true);
        output.WriteLine($"{"hosts",6} {"invs",6} {"queries",7} | {"load",7} {"verify",7} {"total",7} | {"slicing",7} {"symmetry",8} {"solving",7} | {"query med",9} {"p95",7} {"max",7}");
        output.WriteLine($"{scenario.Hosts,6} {results.Count,6} {stats.Queries,7} | {load.TotalSeconds,5:F1} s {wall.TotalSeconds,5:F1} s {(load + wall).TotalSeconds,5:F1} s | " +
            $"{stats.Slicing.TotalSeconds,5:F1} s {stats.Symmetry.TotalSeconds,6:F1} s {stats.Solving.TotalSeconds,5:F1} s | " +
            $"{Percentile(times, 0.5),6:F0} ms {Percentile(times, 0.95),4:F0} ms {Percentile(times, 1),4:F0} ms" +
            (wrong > 0 ? $"  ({wrong} verdicts differ from the planted truth)" : ""));
        output.WriteLine($"load = generate + parse + transfer function; verify = every invariant (slices, symmetry, queries; wall clock; {cpu.TotalSeconds:F1} s CPU in this process, z3 not counted);");
        output.WriteLine("query times are solver times of the queries left after symmetry, run two at a time (encoding excluded).");
        foreach (var r in results.Where(r => r.MeetsExpectation != true).Take(10))
            output.WriteLine($"    differs: {r.ToString().Split(Environment.NewLine)[0]} (expected {r.Invariant.Expect})");
    }

    // Host-level invariants (every host of g0..g2 against every host of another of them): symmetry verifies one per
    // pair of policy classes.
    private static async Task SymmetryTable(TextWriter output, ISolver solver, SolverOptions options, CancellationToken cancellationToken)
    {
        output.WriteLine();
        output.WriteLine("Symmetry: host-to-host isolation among groups g0..g2 (LB backends g0h1, g0h2 are classes of their own).");
        output.WriteLine($"{"hosts/group",11} {"invariants",10} {"queries",7} {"with symmetry",13} {"without",9}");
        foreach (var hosts in new[] { 5, 10, 20 })
        {
            var scenario = DatacenterScenario.Generate(6, hosts, seed: 5);
            var network = NetworkLoader.Parse(scenario.Json, scenario.Name).Network!;
            var invariants = InvariantSets.AcrossHosts(network.Hosts.Where(h => h.Group is "g0" or "g1" or "g2"));
            var clock = Stopwatch.StartNew();
            var results = await new NetworkVerifier(solver).VerifyAllAsync(network, invariants, options, slicing: true, symmetry: true, cancellationToken: cancellationToken);
            var with = clock.Elapsed;
            string without = "-";
            if (invariants.Count <= 200)
            {
                clock.Restart();
                await new NetworkVerifier(solver).VerifyAllAsync(network, invariants, options, slicing: true, symmetry: false, cancellationToken: cancellationToken);
                without = $"{clock.Elapsed.TotalSeconds:F1} s";
            }
            output.WriteLine($"{hosts,11} {invariants.Count,10} {results.Count(r => r.SymmetricTo is null),7} {with.TotalSeconds,11:F1} s {without,9}");
        }
    }

    // CPU time of the pooled z3 processes between calls (Linux /proc/PID/schedstat, nanoseconds on the CPU): with
    // sequential queries, the CPU one query took in the solver, whatever else runs on the machine.
    private sealed class SolverCpuMeter(ISolver solver)
    {
        private readonly Dictionary<int, long> _seen = [];

        public double? Next()
        {
            if (solver is not Z3Solver { ProcessPool: { } pool }) return null;
            long delta = 0;
            bool any = false;
            foreach (var pid in pool.IdleProcessIds)
            {
                if (ReadCpuNs(pid) is not { } ns) continue;
                delta += ns - _seen.GetValueOrDefault(pid);
                _seen[pid] = ns;
                any = true;
            }
            return any ? delta / 1e6 : null;
        }

        private static long? ReadCpuNs(int pid)
        {
            try
            {
                var text = File.ReadAllText($"/proc/{pid}/schedstat");
                return long.TryParse(text.Split(' ')[0], out var ns) ? ns : null;
            }
            catch (IOException) { return null; }
            catch (UnauthorizedAccessException) { return null; }
        }
    }

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }
}
