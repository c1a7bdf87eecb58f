using Switchboard.PolicyCheck.Network;
using Switchboard.PolicyCheck.Scenarios;
using Switchboard.PolicyCheck.Smt;
using Switchboard.PolicyCheck.Verification;
using static Switchboard.PolicyCheck.Tests.Verification.Nets;

namespace Switchboard.PolicyCheck.Tests.Verification;

/// <summary>Symmetry by slice signature: invariants between groups configured alike share one query, planted
/// misconfigurations get their own, and no verdict changes.</summary>
public class SliceSymmetryTests
{
    private static readonly Misconfiguration[] AllPlants = [Misconfiguration.FirewallRules, Misconfiguration.RedundantFirewalls, Misconfiguration.RedundantRouting];

    private static (NetworkDescription Net, Scenario Scenario) Datacenter(int groups, int hosts, int seed, params Misconfiguration[] plant)
    {
        var scenario = DatacenterScenario.Generate(groups, hosts, seed, plant);
        return (Load(scenario.Json), scenario);
    }

    [Test]
    public async Task GroupPairsConfiguredAlikeShareOneQuery()
    {
        var (net, _) = Datacenter(8, 2, seed: 3);
        var isolation = net.Invariants.Where(i => i.Kind == InvariantKinds.Isolation).ToList();
        var verifier = new NetworkVerifier(new Z3Solver(pooled: true)) { Parallelism = 2 };
        var results = await verifier.VerifyAllAsync(net, isolation, Options);
        Assert.That(results.Where(r => r.MeetsExpectation != true).Select(r => r.ToString()), Is.Empty);
        Assert.That(verifier.Stats.Invariants, Is.EqualTo(isolation.Count));
        Assert.That(verifier.Stats.Queries, Is.LessThan(isolation.Count / 4), "80 group-pair invariants, a few distinct slices");
        Assert.That(results.Count(r => r.SymmetricTo is null), Is.EqualTo(verifier.Stats.Queries));
    }

    // The planted truth is known exactly, so checking against it is stronger than comparing with a run without symmetry.
    [TestCase(31)]
    [TestCase(32)]
    public async Task VerdictsWithSymmetryAreExactlyThePlantedTruth(int seed)
    {
        var (net, scenario) = Datacenter(5, 2, seed, AllPlants);
        var verifier = new NetworkVerifier(new Z3Solver(pooled: true)) { Parallelism = 2 };
        var results = await verifier.VerifyAllAsync(net, options: Options, symmetry: true);
        Assert.That(results.Where(r => r.Verdict == Verdict.Unknown).Select(r => r.ToString()), Is.Empty);
        Assert.That(results.Where(r => r.Verdict == Verdict.Violated).Select(r => r.Invariant.Name), Is.EquivalentTo(scenario.Violated));
        Assert.That(verifier.Stats.Queries, Is.LessThan(results.Count));
        foreach (var r in results.Where(r => r.SymmetricTo is not null))
            Assert.That(results.Single(x => x.Invariant.Name == r.SymmetricTo).Verdict, Is.EqualTo(r.Verdict));

        // A symmetric invariant carries its representative's trace (its hosts): the report says whose it is.
        var violated = results.First(r => r is { Verdict: Verdict.Violated, SymmetricTo: null });
        Assert.That(violated.ToString(), Does.Not.Contain("the counterexample of"));
        var symmetric = violated with { SymmetricTo = "iso:rep" };
        Assert.That(symmetric.ToString(), Does.Contain("symmetric to iso:rep)" + Environment.NewLine + "  the counterexample of iso:rep (this one's is the same with its own hosts in their places):"));
    }

    [Test]
    public void PlantedPairsHaveTheirOwnSignature()
    {
        var scenario = DatacenterScenario.Generate(10, 2, seed: 5, [Misconfiguration.FirewallRules], perClass: 1);
        var net = Load(scenario.Json);
        var slicer = new Slicer(net);
        var signature = new SliceSignature(net, ModelCatalog.Library);
        string Of(InvariantSpec i) => signature.Of(i, slicer.Compute(i));
        var planted = net.Invariants.Single(i => i.Name == scenario.Violated.Single(v => v.StartsWith("iso:", StringComparison.Ordinal)));
        var byShape = net.Invariants.Where(i => i.Name.StartsWith("iso:", StringComparison.Ordinal) && !scenario.Violated.Contains(i.Name)).ToLookup(Of);
        Assert.That(byShape.Contains(Of(planted)), Is.False, "the planted pair's firewalls differ from every unplanted pair's");
        Assert.That(byShape.Count, Is.LessThan(byShape.Sum(g => g.Count()) / 4), "unplanted pairs collapse");
        // Steady-state and under-failure twins of one pair are different queries.
        var twin = net.Invariants.Single(i => i.Name == planted.Name.Replace("iso:", "iso-steady:", StringComparison.Ordinal));
        Assert.That(Of(twin), Is.Not.EqualTo(Of(planted)));
    }

    [Test]
    public void SignatureRenamesHostsButNotWhatTheyAre()
    {
        var (net, _) = Datacenter(8, 2, seed: 3);
        var slicer = new Slicer(net);
        var signature = new SliceSignature(net, ModelCatalog.Library);
        string Of(string name) { var i = net.Invariants.Single(x => x.Name == name); return signature.Of(i, slicer.Compute(i)); }
        Assert.That(Of("iso:g3->g5"), Is.EqualTo(Of("iso:g4->g6")), "same shape, other groups");
        Assert.That(Of("iso:g3->g5"), Is.Not.EqualTo(Of("iso:g5->g3")), "address order differs (flows are ordered by address)");
        Assert.That(Of("iso:g4->g3"), Is.Not.EqualTo(Of("iso:g5->g3")), "g3 may talk to g4, not to g5: the firewalls' rules differ");
        Assert.That(Of("iso:g3->g5"), Is.Not.EqualTo(Of("iso-steady:g3->g5")), "steady state is another query");
    }

    [Test]
    public async Task PruningAclPairsToTheSliceKeepsVerdicts()
    {
        var (net, scenario) = Datacenter(6, 2, seed: 41, AllPlants);
        var slicer = new Slicer(net);
        using var z3 = new Z3Solver(pooled: true);
        var options = Options with { Z3AutoConfig = false, ProduceModel = false };
        var picked = net.Invariants.Where(i => scenario.Violated.Contains(i.Name)).Take(3)
            .Concat(net.Invariants.Where(i => !scenario.Violated.Contains(i.Name)).Take(3)).ToList();
        foreach (var inv in picked)
        {
            var slice = slicer.Compute(inv).Nodes;
            var pruned = NetworkEncoding.Create(net, inv, slice, null, pruneAcls: true);
            var full = NetworkEncoding.Create(net, inv, slice, null, pruneAcls: false);
            Assert.That(pruned.Script.ToString().Length, Is.LessThan(full.Script.ToString().Length), inv.Name);
            var a = await z3.CheckAsync(pruned.Script, options);
            var b = await z3.CheckAsync(full.Script, options);
            Assert.That(a.Status, Is.EqualTo(b.Status), inv.Name);
            Assert.That(a.Status, Is.EqualTo(scenario.Violated.Contains(inv.Name) ? SolverStatus.Sat : SolverStatus.Unsat), inv.Name);
        }
    }
}
