using Switchboard.PolicyCheck.Network;
using Switchboard.PolicyCheck.Scenarios;
using Switchboard.PolicyCheck.Smt;
using Switchboard.PolicyCheck.Verification;
using static Switchboard.PolicyCheck.Tests.Verification.Nets;

namespace Switchboard.PolicyCheck.Tests.Scenarios;

/// <summary>The ISP scenario's pipeline invariants (IDS, then scrubber): a planted wrong order is reported exactly, and
/// only by the pipeline invariants — each traversal invariant still holds.</summary>
public class IspPipelineScenarioTests
{
    [TestCase(3, 1, 0, 61)]
    [TestCase(3, 1, 1, 62)]
    [TestCase(4, 2, 1, 63)]
    public async Task ReportsExactlyTheWrongOrderAndBypasses(int peeringPoints, int wrongOrder, int bypassed, int seed)
    {
        const int customers = 2;
        var scenario = IspScenario.Generate(peeringPoints, customers, hostsPerCustomer: 1, seed, bypassed, wrongOrder);
        Assert.That(scenario.Violated.Count(n => n.StartsWith("pipeline:", StringComparison.Ordinal)), Is.EqualTo((wrongOrder + bypassed) * customers));
        Assert.That(scenario.Violated.Count(n => n.StartsWith("traversal-", StringComparison.Ordinal)), Is.EqualTo(bypassed * customers),
            "a wrong order still passes both NFs");
        var net = Load(scenario.Json);
        Assert.That(net.Invariants.Count(i => i.Kind == InvariantKinds.Pipeline), Is.EqualTo(peeringPoints * customers));
        var results = await new NetworkVerifier(new Z3Solver()) { Parallelism = 2 }.VerifyAllAsync(net, options: Options);
        Assert.That(results.Where(r => r.Verdict == Verdict.Unknown).Select(r => r.ToString()), Is.Empty);
        var reported = results.Where(r => r.Verdict == Verdict.Violated).Select(r => r.Invariant.Name).ToHashSet();
        Assert.That(reported, Is.EquivalentTo(scenario.Violated));
        Assert.That(results.All(r => r.MeetsExpectation == true), "the file's expect fields say the same");
    }

    [Test]
    public async Task WrongOrderTraceShowsTheScrubberBeforeTheIds()
    {
        var scenario = IspScenario.Generate(2, 1, 1, seed: 64, wrongOrder: 1);
        var net = Load(scenario.Json);
        var name = scenario.Violated.Single();
        var peer = name["pipeline:".Length..name.IndexOf("->", StringComparison.Ordinal)].Replace("peer", "", StringComparison.Ordinal);
        var result = await Verify(net, name);
        Assert.That(result.Verdict, Is.EqualTo(Verdict.Violated));
        var receivers = result.Trace!.PacketEvents.Where(e => e.Kind == TraceEventKind.Receive).Select(e => e.To).ToList();
        Assert.That(receivers, Is.EqualTo(new[] { "scrub" + peer, "ids" + peer, "cust0h1" }), result.Trace.ToString());
    }

    [Test]
    public void OrderInvariantsOnlyWhenAskedOrPlanted()
    {
        Assert.That(IspScenario.Generate(2, 2, 1, seed: 1).Json, Does.Not.Contain("\"pipeline\""));
        Assert.That(IspScenario.Generate(2, 2, 1, seed: 1, orderInvariants: true).Json, Does.Contain("\"pipeline\""));
        Assert.That(IspScenario.Generate(2, 2, 1, seed: 1, wrongOrder: 1).Json, Does.Contain("\"pipeline\""));
        Assert.Throws<ArgumentOutOfRangeException>(() => IspScenario.Generate(2, 2, 1, seed: 1, bypassedScrubbers: 1, wrongOrder: 2));
    }

    [Test]
    public void PlantedPeeringPointsDependOnTheSeed()
    {
        var picked = Enumerable.Range(0, 10).Select(seed => string.Join(",", IspScenario.Generate(5, 1, 1, seed, bypassedScrubbers: 1, wrongOrder: 1).Violated.Order())).ToHashSet();
        Assert.That(picked, Has.Count.GreaterThan(3));
    }
}
