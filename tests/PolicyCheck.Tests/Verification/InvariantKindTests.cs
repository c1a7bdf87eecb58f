using Switchboard.PolicyCheck.Verification;
using static Switchboard.PolicyCheck.Tests.Verification.Nets;

namespace Switchboard.PolicyCheck.Tests.Verification;

/// <summary>Traversal (pipeline) invariants and failures: redundant middleboxes, routing that bypasses them, and a
/// backup firewall that lacks a rule.</summary>
public class InvariantKindTests
{
    /// <summary>h1 (a) sends to h2 (b) through the IDS ids1; when ids1 is down the core router sends through
    /// <paramref name="backup"/> (ids2, another IDS, or fwd, a plain forwarder that bypasses inspection).</summary>
    private static Switchboard.PolicyCheck.Network.NetworkDescription Redundant(string backup) => Load($$"""
        {
          "policyGroups": { "a": { "prefixes": ["10.0.1.0/24"] }, "b": { "prefixes": ["10.0.2.0/24"] } },
          "hosts": [ { "name": "h1", "group": "a" }, { "name": "h2", "group": "b" } ],
          "nfs": [ { "name": "ids{1..2}", "model": "IPS" }, { "name": "fwd", "model": "forwarder" } ],
          "routers": ["core", "edge"],
          "routing": {
            "h1": [ { "dst": "*", "nextHop": "core" } ],
            "h2": [ { "dst": "*", "nextHop": "edge" } ],
            "core": [ { "dst": "b", "nextHop": "ids1" }, { "dst": "b", "nextHop": "{{backup}}", "whenDown": ["ids1"] } ],
            "ids{1..2}": [ { "dst": "b", "nextHop": "edge" } ],
            "fwd": [ { "dst": "b", "nextHop": "edge" } ],
            "edge": [ { "dst": "h2", "nextHop": "h2" } ]
          },
          "failures": { "nodes": ["ids1"], "maxFailures": 1 },
          "invariants": [
            { "name": "via-ids", "kind": "traversal", "from": "a", "to": "h2", "through": ["ids1", "ids2"] },
            { "name": "via-ids-steady", "kind": "traversal", "from": "a", "to": "h2", "through": ["ids1", "ids2"], "underFailures": false },
            { "name": "via-ids1", "kind": "traversal", "from": "a", "to": "h2", "through": ["ids1"] }
          ]
        }
        """);

    [Test]
    public async Task TraversalHoldsWithARedundantIds()
    {
        var net = Redundant("ids2");
        Assert.That((await Verify(net, "via-ids")).Verdict, Is.EqualTo(Verdict.Holds));
        var one = await Verify(net, "via-ids1");
        Assert.That(one.Verdict, Is.EqualTo(Verdict.Violated), "when ids1 fails traffic passes ids2, not ids1");
        Assert.That(one.Trace!.FailedNodes, Is.EqualTo(new[] { "ids1" }));
        Assert.That(one.Trace.PacketEvents.Select(e => e.To), Does.Contain("ids2"));
    }

    [Test]
    public async Task BackupRouteAroundTheIdsViolatesTraversalOnlyUnderFailure()
    {
        var net = Redundant("fwd");
        Assert.That((await Verify(net, "via-ids-steady")).Verdict, Is.EqualTo(Verdict.Holds));
        var result = await Verify(net, "via-ids");
        Assert.That(result.Verdict, Is.EqualTo(Verdict.Violated));
        var trace = result.Trace!;
        Assert.That(trace.FailedNodes, Is.EqualTo(new[] { "ids1" }));
        Assert.That(trace.PacketEvents.Select(e => $"{e.Kind} {e.From}->{e.To}"),
            Is.EqualTo(new[] { "Send h1->fwd", "Receive h1->fwd", "Send fwd->h2", "Receive fwd->h2" }), trace.ToString());
        var failure = trace.Events.First(e => e.Kind == TraceEventKind.Failure);
        Assert.That(failure.Time, Is.LessThanOrEqualTo(trace.PacketEvents.First().Time), "ids1 is down when h1 sends");
    }

    [Test]
    public async Task BackupFirewallMissingARuleViolatesIsolationOnlyUnderFailure()
    {
        var net = Load("""
            {
              "policyGroups": { "a": { "prefixes": ["10.0.1.0/24"] }, "b": { "prefixes": ["10.0.2.0/24"] }, "c": { "prefixes": ["10.0.3.0/24"] } },
              "hosts": [ { "name": "h1", "group": "a" }, { "name": "h2", "group": "b" }, { "name": "h3", "group": "c" } ],
              "nfs": [
                { "name": "fw1", "model": "acl-firewall", "config": { "deny": [["a", "b"], ["c", "b"]] } },
                { "name": "fw2", "model": "acl-firewall", "config": { "deny": [["a", "b"]] } }
              ],
              "routers": ["core"],
              "routing": {
                "h{1..3}": [ { "dst": "*", "nextHop": "core" } ],
                "core": [ { "dst": "b", "nextHop": "fw1" }, { "dst": "b", "nextHop": "fw2", "whenDown": ["fw1"] }, { "dst": "h1", "nextHop": "h1" }, { "dst": "h3", "nextHop": "h3" } ],
                "fw{1..2}": [ { "dst": "h2", "nextHop": "h2" } ]
              },
              "failures": { "nodes": ["fw1", "fw2"], "maxFailures": 1 },
              "invariants": [
                { "name": "ab", "kind": "isolation", "from": "a", "to": "h2" },
                { "name": "cb", "kind": "isolation", "from": "c", "to": "h2" },
                { "name": "cb-steady", "kind": "isolation", "from": "c", "to": "h2", "underFailures": false }
              ]
            }
            """);
        Assert.That((await Verify(net, "ab")).Verdict, Is.EqualTo(Verdict.Holds));
        Assert.That((await Verify(net, "cb-steady")).Verdict, Is.EqualTo(Verdict.Holds));
        var cb = await Verify(net, "cb");
        Assert.That(cb.Verdict, Is.EqualTo(Verdict.Violated));
        Assert.That(cb.Trace!.FailedNodes, Is.EqualTo(new[] { "fw1" }));
        Assert.That(cb.Trace.PacketEvents.Select(e => e.To), Does.Contain("fw2"));
    }

    [Test]
    public async Task FlowIsolationSurvivesFailuresOfTheStatefulFirewall()
    {
        // nf admits a -> b connections; b's replies pass only while nf remembers the connection (a failure loses it),
        // so no failure lets b in unsolicited, while replies still reach h1.
        var net = Line("LearningFirewall", """{ "acl": [["a", "b"]] }""", string.Join(",",
            Inv("in", "flow-isolation", "b", "h1"), Inv("reply", "isolation", "b", "h1")),
            failures: "\"failures\": { \"nodes\": [\"nf\"], \"maxFailures\": 1 },");
        Assert.That((await Verify(net, "in")).Verdict, Is.EqualTo(Verdict.Holds));
        Assert.That((await Verify(net, "reply")).Verdict, Is.EqualTo(Verdict.Violated));
    }
}
