using System.Diagnostics;
using Switchboard.PolicyCheck.Network;
using Switchboard.PolicyCheck.Smt;
using Switchboard.PolicyCheck.Verification;

namespace Switchboard.PolicyCheck.Scenarios;

/// <summary>
/// The tables behind thesis figures 4.4–4.5 on the generated data-isolation network (a cache-ACL and a firewall-rule
/// leak planted): as tenants (and so policy classes) grow, the slice size, the per-invariant solver time and the time
/// to verify every invariant. The cache is not flow-parallel, so slices hold a host of every policy class and grow with
/// policy complexity, unlike the datacenter's.
/// </summary>
public static class DataIsolationBenchmark
{
    /// <summary>Sizes measured: (tenants, clients per tenant).</summary>
    public static readonly IReadOnlyList<(int Tenants, int Clients)> DefaultSizes = [(3, 2), (4, 2), (6, 1)];

    public static async Task RunAsync(TextWriter output, ISolver solver, SolverOptions options, IReadOnlyList<(int Tenants, int Clients)>? sizes = null,
        CancellationToken cancellationToken = default)
    {
        sizes ??= DefaultSizes;
        output.WriteLine();
        output.WriteLine("Data isolation with a shared content cache (4.6.2), a cache-ACL and a firewall-rule leak planted. Per-invariant times are");
        output.WriteLine("solver times during the all-invariants run (slices + symmetry, all cores, wall clock).");
        output.WriteLine($"{"tenants",7} {"hosts",6} {"classes",7} {"invs",5} | {"slice nodes",11} {"median",9} {"p95",9} | {"all invs",9} {"queries",7}");
        foreach (var (tenants, clients) in sizes)
        {
            var scenario = DataIsolationScenario.Generate(tenants, clients, seed: tenants * 100 + clients,
                [DataMisconfiguration.CacheAclMissing, DataMisconfiguration.FirewallRuleMissing]);
            var network = NetworkLoader.Parse(scenario.Json, scenario.Name).Network
                ?? throw new InvalidOperationException($"generated network {scenario.Name} does not load");
            var clock = Stopwatch.StartNew();
            var all = await new NetworkVerifier(solver).VerifyAllAsync(network, options: options, slicing: true, symmetry: true, cancellationToken: cancellationToken);
            var wall = clock.Elapsed;
            var queried = all.Where(r => r.SymmetricTo is null).ToList();
            var times = queried.Select(r => r.Elapsed.TotalMilliseconds).Order().ToList();
            int wrong = all.Count(r => r.MeetsExpectation != true);
            output.WriteLine($"{tenants,7} {scenario.Hosts,6} {new PolicyClasses(network).Count,7} {all.Count,5} | {queried.Average(r => r.Slice.Count),11:F1} " +
                $"{Percentile(times, 0.5),6:F0} ms {Percentile(times, 0.95),6:F0} ms | {wall.TotalSeconds,7:F1} s {queried.Count,7}" +
                (wrong > 0 ? $"  ({wrong} verdicts differ from the planted truth)" : ""));
            foreach (var r in all.Where(r => r.MeetsExpectation != true))
                output.WriteLine($"    differs: {r.ToString().Split(Environment.NewLine)[0]} (expected {r.Invariant.Expect})");
        }
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
