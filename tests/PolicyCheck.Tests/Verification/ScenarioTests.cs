using Switchboard.PolicyCheck.Scenarios;
using Switchboard.PolicyCheck.Smt;
using Switchboard.PolicyCheck.Verification;
using static Switchboard.PolicyCheck.Tests.Verification.Nets;

namespace Switchboard.PolicyCheck.Tests.Verification;

/// <summary>The generated evaluation networks: exactly the planted misconfigurations are reported, nothing else.</summary>
public class ScenarioTests
{
    [TestCase(Misconfiguration.FirewallRules, 11)]
    [TestCase(Misconfiguration.RedundantFirewalls, 12)]
    [TestCase(Misconfiguration.RedundantRouting, 13)]
    public async Task DatacenterReportsExactlyThePlantedViolations(Misconfiguration kind, int seed)
    {
        var scenario = DatacenterScenario.Generate(groups: 3, hostsPerGroup: 3, seed, [kind]);
        Assert.That(scenario.Violated, Is.Not.Empty);
        var net = Load(scenario.Json);
        var results = await new NetworkVerifier(new Z3Solver()) { Parallelism = 2 }.VerifyAllAsync(net, options: Options);
        var reported = results.Where(r => r.Verdict == Verdict.Violated).Select(r => r.Invariant.Name).ToHashSet();
        Assert.That(results.Where(r => r.Verdict == Verdict.Unknown).Select(r => r.ToString()), Is.Empty);
        Assert.That(reported, Is.EquivalentTo(scenario.Violated));
        Assert.That(results.All(r => r.MeetsExpectation == true), "the file's expect fields say the same");
        Assert.That(results.Max(r => r.Slice.Count), Is.LessThan(net.Endpoints.Count()), "invariants run on slices");
    }

    [TestCase(7)]
    [TestCase(8)]
    public async Task EnterpriseReportsExactlyThePlantedViolations(int seed)
    {
        var scenario = EnterpriseScenario.Generate(subnets: 6, hostsPerSubnet: 2, seed, misconfigurations: 2);
        Assert.That(scenario.Violated, Is.Not.Empty);
        var net = Load(scenario.Json);
        var results = await new NetworkVerifier(new Z3Solver()) { Parallelism = 2 }.VerifyAllAsync(net, options: Options);
        Assert.That(results.Where(r => r.Verdict == Verdict.Unknown).Select(r => r.ToString()), Is.Empty);
        var reported = results.Where(r => r.Verdict == Verdict.Violated && !r.Invariant.Name.StartsWith("public-reachable", StringComparison.Ordinal))
            .Select(r => r.Invariant.Name).ToHashSet();
        Assert.That(reported, Is.EquivalentTo(scenario.Violated));
        Assert.That(results.All(r => r.MeetsExpectation == true));
    }
    [TestCase(TenantMisconfiguration.SecurityGroupLeak, 21)]
    [TestCase(TenantMisconfiguration.FirewallBypass, 22)]
    public async Task MultiTenantReportsExactlyThePlantedViolations(TenantMisconfiguration kind, int seed)
    {
        var scenario = MultiTenantScenario.Generate(tenants: 3, hostsPerGroup: 2, seed, [kind]);
        Assert.That(scenario.Violated, Is.Not.Empty);
        var net = Load(scenario.Json);
        var results = await new NetworkVerifier(new Z3Solver()) { Parallelism = 2 }.VerifyAllAsync(net, options: Options);
        Assert.That(results.Where(r => r.Verdict == Verdict.Unknown).Select(r => r.ToString()), Is.Empty);
        var reported = results.Where(r => r.Verdict == Verdict.Violated).Select(r => r.Invariant.Name).ToHashSet();
        Assert.That(reported, Is.EquivalentTo(scenario.Violated));
        Assert.That(results.All(r => r.MeetsExpectation == true), "the file's expect fields say the same");
    }

    [Test]
    public async Task MultiTenantWithoutMisconfigurationsHoldsEverywhere()
    {
        var scenario = MultiTenantScenario.Generate(tenants: 3, hostsPerGroup: 2, seed: 23);
        Assert.That(scenario.Violated, Is.Empty);
        var results = await new NetworkVerifier(new Z3Solver()) { Parallelism = 2 }.VerifyAllAsync(Load(scenario.Json), options: Options);
        Assert.That(results.Where(r => r.Verdict != Verdict.Holds).Select(r => r.ToString()), Is.Empty);
        Assert.That(results.Select(r => r.Invariant.Name), Does.Contain("traversal:internet->t0web"));
    }
    [TestCase(0, 31)]
    [TestCase(1, 32)]
    public async Task IspReportsExactlyTheBypassedScrubbers(int bypassed, int seed)
    {
        var scenario = IspScenario.Generate(peeringPoints: 3, customers: 2, hostsPerCustomer: 2, seed, bypassed);
        Assert.That(scenario.Violated, Has.Count.EqualTo(2 * bypassed), "one scrubber invariant per customer group of a bypassed peering point");
        var net = Load(scenario.Json);
        var results = await new NetworkVerifier(new Z3Solver()) { Parallelism = 2 }.VerifyAllAsync(net, options: Options);
        Assert.That(results, Has.Count.EqualTo(3 * 2 * 2));
        Assert.That(results.Where(r => r.Verdict == Verdict.Unknown).Select(r => r.ToString()), Is.Empty);
        var reported = results.Where(r => r.Verdict == Verdict.Violated).Select(r => r.Invariant.Name).ToHashSet();
        Assert.That(reported, Is.EquivalentTo(scenario.Violated));
        Assert.That(results.All(r => r.MeetsExpectation == true), "the file's expect fields say the same");
    }
}
