using Switchboard.PolicyCheck.Network;
using Switchboard.PolicyCheck.Verification;
using static Switchboard.PolicyCheck.Tests.Verification.Nets;

namespace Switchboard.PolicyCheck.Tests.Scenarios;

/// <summary>Pipeline invariants (thesis 4.4.1): every packet from a group to a host passes the stages in order — on
/// small hand-built networks where the routing orders the NFs right, wrong, skips one, or reroutes on failure.</summary>
public class PipelineInvariantTests
{
    /// <summary>h1 (group a) sends to h2 (group b): core hands packets to <paramref name="first"/>, which hands them to
    /// <paramref name="second"/> (or "edge"), and so on to the edge router in front of h2. NFs: ids, ids2 (IPS), scrub
    /// (IPS), fwd (forwarder); ids may fail, and then core sends to <paramref name="backup"/>.</summary>
    private static NetworkDescription Net(string[] path, string backup = "ids2", string backupNext = "scrub") => Load($$"""
        {
          "policyGroups": { "a": { "prefixes": ["10.0.1.0/24"] }, "b": { "prefixes": ["10.0.2.0/24"] } },
          "hosts": [ { "name": "h1", "group": "a" }, { "name": "h2", "group": "b" } ],
          "nfs": [ { "name": "ids", "model": "IPS" }, { "name": "ids2", "model": "IPS" }, { "name": "scrub", "model": "IPS" }, { "name": "fwd", "model": "forwarder" } ],
          "routers": ["core", "edge"],
          "routing": {
            "h1": [ { "dst": "*", "nextHop": "core" } ],
            "h2": [ { "dst": "*", "nextHop": "edge" } ],
            "core": [ { "dst": "b", "nextHop": "{{path[0]}}" }, { "dst": "b", "nextHop": "{{backup}}", "whenDown": ["ids"] } ],
            {{string.Join(",\n", path.Select((nf, i) => $$"""    "{{nf}}": [ { "dst": "b", "nextHop": "{{(i + 1 < path.Length ? path[i + 1] : "edge")}}" } ]"""))}},
            {{(path.Contains(backup) ? "" : $$""" "{{backup}}": [ { "dst": "b", "nextHop": "{{backupNext}}" } ], """)}}
            {{(path.Contains(backupNext) || backupNext == "edge" ? "" : $$""" "{{backupNext}}": [ { "dst": "b", "nextHop": "edge" } ], """)}}
            "edge": [ { "dst": "h2", "nextHop": "h2" } ]
          },
          "failures": { "nodes": ["ids"], "maxFailures": 1 },
          "invariants": [
            { "name": "ids-then-scrub", "kind": "pipeline", "from": "a", "to": "h2", "stages": ["ids", "scrub"] },
            { "name": "ids-then-scrub-steady", "kind": "pipeline", "from": "a", "to": "h2", "stages": ["ids", "scrub"], "underFailures": false },
            { "name": "any-ids-then-scrub", "kind": "pipeline", "from": "a", "to": "h2", "stages": [["ids", "ids2"], "scrub"] },
            { "name": "scrub-then-ids", "kind": "pipeline", "from": "a", "to": "h2", "stages": ["scrub", "ids"], "underFailures": false },
            { "name": "via-ids", "kind": "traversal", "from": "a", "to": "h2", "through": ["ids"], "underFailures": false },
            { "name": "via-scrub", "kind": "traversal", "from": "a", "to": "h2", "through": ["scrub"], "underFailures": false }
          ]
        }
        """);

    [Test]
    public async Task HoldsWhenRoutingPassesTheStagesInOrder()
    {
        var net = Net(["ids", "fwd", "scrub"]);
        Assert.That((await Verify(net, "ids-then-scrub-steady")).Verdict, Is.EqualTo(Verdict.Holds), "an NF between the stages does not matter");
        Assert.That((await Verify(net, "any-ids-then-scrub")).Verdict, Is.EqualTo(Verdict.Holds), "the backup IDS passes the first stage");
        var reversed = await Verify(net, "scrub-then-ids");
        Assert.That(reversed.Verdict, Is.EqualTo(Verdict.Violated), "the order is checked, not just the set");
        Assert.That(reversed.Trace!.PacketEvents.Where(e => e.Kind == TraceEventKind.Receive).Select(e => e.To),
            Is.EqualTo(new[] { "ids", "fwd", "scrub", "h2" }), reversed.Trace.ToString());
    }

    [Test]
    public async Task WrongOrderViolatesThePipelineWhileEachTraversalHolds()
    {
        var net = Net(["scrub", "ids"]);
        Assert.That((await Verify(net, "via-ids")).Verdict, Is.EqualTo(Verdict.Holds));
        Assert.That((await Verify(net, "via-scrub")).Verdict, Is.EqualTo(Verdict.Holds));
        Assert.That((await Verify(net, "scrub-then-ids")).Verdict, Is.EqualTo(Verdict.Holds));
        var result = await Verify(net, "ids-then-scrub-steady");
        Assert.That(result.Verdict, Is.EqualTo(Verdict.Violated));
        Assert.That(result.Trace!.PacketEvents.Select(e => $"{e.Kind} {e.From}->{e.To}"),
            Is.EqualTo(new[] { "Send h1->scrub", "Receive h1->scrub", "Send scrub->ids", "Receive scrub->ids", "Send ids->h2", "Receive ids->h2" }),
            result.Trace.ToString());
    }

    [Test]
    public async Task AMissingStageViolatesThePipeline()
    {
        var net = Net(["ids"]);
        Assert.That((await Verify(net, "via-ids")).Verdict, Is.EqualTo(Verdict.Holds));
        Assert.That((await Verify(net, "ids-then-scrub-steady")).Verdict, Is.EqualTo(Verdict.Violated));
        Assert.That((await Verify(net, "scrub-then-ids")).Verdict, Is.EqualTo(Verdict.Violated));
    }

    [Test]
    public async Task FailoverToARedundantIdsKeepsTheOrderOnlyWhenTheStageNamesIt()
    {
        var net = Net(["ids", "scrub"]);
        Assert.That((await Verify(net, "ids-then-scrub-steady")).Verdict, Is.EqualTo(Verdict.Holds));
        Assert.That((await Verify(net, "any-ids-then-scrub")).Verdict, Is.EqualTo(Verdict.Holds), "ids2 is an alternative in the first stage");
        var failed = await Verify(net, "ids-then-scrub");
        Assert.That(failed.Verdict, Is.EqualTo(Verdict.Violated), "when ids fails packets pass ids2, which the stage does not name");
        Assert.That(failed.Trace!.FailedNodes, Is.EqualTo(new[] { "ids" }));
    }

    [Test]
    public async Task BackupRouteThatSkipsTheFirstStageViolatesOnlyUnderFailure()
    {
        var net = Net(["ids", "scrub"], backup: "scrub", backupNext: "edge");
        Assert.That((await Verify(net, "ids-then-scrub-steady")).Verdict, Is.EqualTo(Verdict.Holds));
        var result = await Verify(net, "any-ids-then-scrub");
        Assert.That(result.Verdict, Is.EqualTo(Verdict.Violated));
        Assert.That(result.Trace!.FailedNodes, Is.EqualTo(new[] { "ids" }));
    }

    [Test]
    public async Task ThreeStagesInOrder()
    {
        var net = Load("""
            {
              "policyGroups": { "a": { "prefixes": ["10.0.1.0/24"] }, "b": { "prefixes": ["10.0.2.0/24"] } },
              "hosts": [ { "name": "h1", "group": "a" }, { "name": "h2", "group": "b" } ],
              "nfs": [ { "name": "fw", "model": "acl-firewall", "config": { "allow": [["a", "b"]] } }, { "name": "ids", "model": "IPS" }, { "name": "scrub", "model": "IPS" } ],
              "routing": {
                "h1": [ { "dst": "*", "nextHop": "fw" } ],
                "fw": [ { "dst": "b", "nextHop": "ids" } ],
                "ids": [ { "dst": "b", "nextHop": "scrub" } ],
                "scrub": [ { "dst": "h2", "nextHop": "h2" } ]
              },
              "invariants": [
                { "name": "fw-ids-scrub", "kind": "pipeline", "from": "a", "to": "h2", "stages": ["fw", "ids", "scrub"] },
                { "name": "fw-scrub-ids", "kind": "pipeline", "from": "a", "to": "h2", "stages": ["fw", "scrub", "ids"] },
                { "name": "ids-fw", "kind": "pipeline", "from": "a", "to": "h2", "stages": ["ids", "fw"] }
              ]
            }
            """);
        Assert.That((await Verify(net, "fw-ids-scrub")).Verdict, Is.EqualTo(Verdict.Holds));
        Assert.That((await Verify(net, "fw-scrub-ids")).Verdict, Is.EqualTo(Verdict.Violated));
        Assert.That((await Verify(net, "ids-fw")).Verdict, Is.EqualTo(Verdict.Violated));
    }

    [Test]
    public async Task SymmetryKeepsPipelinesWithDifferentStagesApart()
    {
        // Same NFs flattened (ids, ids2, scrub), different stages: the first holds, the second does not (ids2 never
        // comes after ids). Symmetry must not give them one verdict.
        var net = Net(["ids", "scrub"]);
        var specs = new[]
        {
            net.Invariants.Single(i => i.Name == "any-ids-then-scrub"),
            net.Invariants.Single(i => i.Name == "any-ids-then-scrub") with { Name = "ids-then-ids2-then-scrub", Stages = [["ids"], ["ids2"], ["scrub"]] },
        };
        Assert.That(specs[0].Through, Is.EqualTo(specs[1].Through));
        var results = await new NetworkVerifier(new Switchboard.PolicyCheck.Smt.Z3Solver()) { Parallelism = 2 }.VerifyAllAsync(net, specs, Options);
        Assert.That(results.Select(r => r.Verdict), Is.EqualTo(new[] { Verdict.Holds, Verdict.Violated }));
    }
}
