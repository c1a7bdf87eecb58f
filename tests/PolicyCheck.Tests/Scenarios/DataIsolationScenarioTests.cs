using Switchboard.PolicyCheck.Network;
using Switchboard.PolicyCheck.Scenarios;
using Switchboard.PolicyCheck.Smt;
using Switchboard.PolicyCheck.Verification;
using static Switchboard.PolicyCheck.Tests.Verification.Nets;

namespace Switchboard.PolicyCheck.Tests.Scenarios;

/// <summary>The generated data-isolation network with a shared content cache (thesis 4.6.2): exactly the planted leaks
/// are reported, every tenant still reads its own and the public data.</summary>
public class DataIsolationScenarioTests
{
    private static async Task<IReadOnlyList<InvariantResult>> VerifyAll(Scenario scenario)
    {
        var net = Load(scenario.Json);
        var results = await new NetworkVerifier(new Z3Solver()) { Parallelism = 2 }.VerifyAllAsync(net, options: Options);
        foreach (var r in results) TestContext.Out.WriteLine($"{r.Invariant.Name}: {r.Verdict} ({r.Elapsed.TotalMilliseconds:F0} ms, slice of {r.Slice.Count})");
        Assert.That(results.Where(r => r.Verdict == Verdict.Unknown).Select(r => r.ToString()), Is.Empty);
        Assert.That(results.Where(r => r.Invariant.Name.StartsWith("reach:", StringComparison.Ordinal) && r.Verdict != Verdict.Violated).Select(r => r.ToString()),
            Is.Empty, "each tenant reads its own private data and the public data");
        Assert.That(results.All(r => r.MeetsExpectation == true), "the file's expect fields say the same");
        return results;
    }

    private static HashSet<string> ReportedLeaks(IReadOnlyList<InvariantResult> results) =>
        results.Where(r => r.Verdict == Verdict.Violated && r.Invariant.Name.StartsWith("data:", StringComparison.Ordinal)).Select(r => r.Invariant.Name).ToHashSet();

    [Test]
    public async Task CorrectConfigurationIsolatesEveryTenantsPrivateData()
    {
        // Small: the misconfigured networks below check every unplanted invariant holds at larger sizes too.
        var scenario = DataIsolationScenario.Generate(tenants: 2, clientsPerTenant: 2, seed: 41);
        Assert.That(scenario.Violated, Is.Empty);
        var results = await VerifyAll(scenario);
        Assert.That(ReportedLeaks(results), Is.Empty);
        Assert.That(results.Count(r => r.Invariant.Name.StartsWith("data:", StringComparison.Ordinal)), Is.EqualTo(2 * 1), "one per (private servers, other tenant's clients)");
    }

    // 3 tenants x 2 clients with a cache-ACL and a firewall leak: examples/networks/data-isolation-generated-leaks.json (GeneratedExampleTests).
    [TestCase(DataMisconfiguration.FirewallRuleMissing, 3, 1, 53, 1)]
    [TestCase(DataMisconfiguration.SharedCache, 3, 1, 54, 1)]
    [TestCase(DataMisconfiguration.CacheAclMissing, 2, 1, 58, 2)]
    [TestCase(DataMisconfiguration.SharedCache, 2, 1, 59, 2)]
    public async Task ReportsExactlyThePlantedLeaks(DataMisconfiguration kind, int tenants, int clients, int seed, int caches)
    {
        var scenario = DataIsolationScenario.Generate(tenants, clients, seed, [kind], caches: caches);
        Assert.That(scenario.Violated, Has.Count.EqualTo(kind == DataMisconfiguration.SharedCache ? tenants - 1 : 1));
        var results = await VerifyAll(scenario);
        Assert.That(ReportedLeaks(results), Is.EquivalentTo(scenario.Violated));
    }

    [Test]
    public async Task FourTenantsWithEveryMisconfigurationReportExactlyThePlantedLeaks()
    {
        var scenario = DataIsolationScenario.Generate(tenants: 4, clientsPerTenant: 1, seed: 55,
            [DataMisconfiguration.SharedCache, DataMisconfiguration.CacheAclMissing, DataMisconfiguration.FirewallRuleMissing]);
        Assert.That(scenario.Violated, Has.Count.EqualTo(3 + 1 + 1), "each class breaks pairs of its own");
        var results = await VerifyAll(scenario);
        Assert.That(results.Count(r => r.Invariant.Name.StartsWith("data:", StringComparison.Ordinal)), Is.EqualTo(4 * 3), "one per (private servers, other tenant's clients)");
        Assert.That(ReportedLeaks(results), Is.EquivalentTo(scenario.Violated));
    }

    [Test]
    public async Task CounterexamplesShowWhereTheDataLeaks()
    {
        var cacheLeak = DataIsolationScenario.Generate(3, 1, seed: 56, [DataMisconfiguration.CacheAclMissing]);
        var net = Load(cacheLeak.Json);
        var result = await Verify(net, cacheLeak.Violated.Single());
        Assert.That(result.Verdict, Is.EqualTo(Verdict.Violated));
        Assert.That(result.Trace!.PacketEvents.Last().From, Is.EqualTo("cache"), "the cache hands the private data out: " + result.Trace);

        var firewallLeak = DataIsolationScenario.Generate(3, 1, seed: 57, [DataMisconfiguration.FirewallRuleMissing]);
        net = Load(firewallLeak.Json);
        result = await Verify(net, firewallLeak.Violated.Single());
        Assert.That(result.Verdict, Is.EqualTo(Verdict.Violated));
        Assert.That(result.Trace!.PacketEvents.Select(e => e.From), Does.Contain("sfw").And.Not.Contain("cache"),
            "the server sends past the firewall, not through the cache: " + result.Trace);
    }

    [Test]
    public void PlantedPairsDependOnTheSeedAndEveryNetworkLoads()
    {
        var chosen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tenants in new[] { 2, 3, 5, 8 })
            foreach (var seed in Enumerable.Range(0, 12))
            {
                var scenario = DataIsolationScenario.Generate(tenants, 2, seed,
                    [DataMisconfiguration.CacheAclMissing, DataMisconfiguration.FirewallRuleMissing, DataMisconfiguration.SharedCache], serversPerTenant: 2,
                    caches: 1 + seed % Math.Min(3, tenants));
                var loaded = NetworkLoader.Parse(scenario.Json, scenario.Name);
                Assert.That(loaded.Errors, Is.Empty, loaded.FormatErrors());
                var names = loaded.Network!.Invariants.Select(i => i.Name).ToHashSet();
                Assert.That(scenario.Violated.IsSubsetOf(names));
                Assert.That(loaded.Network.Invariants.Where(i => i.Expect == "holds").Select(i => i.Name), Is.All.StartsWith("data:"));
                Assert.That(loaded.Network.Invariants.Where(i => i.Name.StartsWith("data:", StringComparison.Ordinal) && i.Expect == "violated").Select(i => i.Name),
                    Is.EquivalentTo(scenario.Violated));
                // SharedCache: one tenant's pairs (tenants - 1); the others one pair each when pairs are left.
                int expected = tenants - 1 + Math.Min(2, tenants * (tenants - 1) - (tenants - 1));
                Assert.That(scenario.Violated, Has.Count.EqualTo(expected), scenario.Name);
                if (tenants == 5) chosen.UnionWith(scenario.Violated);
            }
        Assert.That(chosen, Has.Count.GreaterThan(8), "seeds pick different tenants and pairs");
    }

    [Test]
    public async Task BenchmarkTableAgreesWithThePlantedTruth()
    {
        var output = new StringWriter();
        await DataIsolationBenchmark.RunAsync(output, new Z3Solver(), Options, [(2, 1)]);
        var text = output.ToString();
        TestContext.Out.WriteLine(text);
        var row = text.Split('\n').Single(l => l.TrimStart().StartsWith("2 ", StringComparison.Ordinal));
        Assert.That(row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..4], Is.EqualTo(new[] { "2", "5", "5", "6" }),
            "2 tenants, 5 hosts, 5 policy classes (clients and private servers per tenant, public), 6 invariants");
        Assert.That(text, Does.Not.Contain("differ"));
    }

    [Test]
    public void SharedCacheWithSeveralCachesMovesTheTenantBehindAnotherCache()
    {
        var scenario = DataIsolationScenario.Generate(tenants: 4, clientsPerTenant: 1, seed: 60, [DataMisconfiguration.SharedCache], caches: 2);
        var net = Load(scenario.Json);
        var moved = int.Parse(scenario.Violated.First()["data:t".Length..].Split("private")[0], System.Globalization.CultureInfo.InvariantCulture);
        var address = net.Hosts.Single(h => h.Group == $"t{moved}private").Addresses[0];
        var hop = net.Routing["core"].First(r => r.Destinations.Contains(address)).NextHop;
        Assert.That(hop, Is.EqualTo($"cache{(moved + 1) % 2}"), "served by the other cache");
        Assert.That(net.Function(hop)!.Config.GetRawText(), Does.Not.Contain($"t{moved}private"), "which has no entries for it");
        Assert.That(scenario.Violated, Has.Count.EqualTo(3));
    }

    [Test]
    public void RejectsSizesWithoutIsolation()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DataIsolationScenario.Generate(1, 2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => DataIsolationScenario.Generate(3, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => DataIsolationScenario.Generate(3, 1, 0, caches: 4));
    }
}
