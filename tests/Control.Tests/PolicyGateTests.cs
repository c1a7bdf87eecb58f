using Grpc.Core;
using Switchboard.Control.Tests.Support;
using Switchboard.Control.V1;

namespace Switchboard.Control.Tests;

/// <summary>Hot changes go through the VMN activation gate: a change that would break an operator's invariant is
/// refused with the verdict and leaves the switch as it was; one that keeps every invariant goes through.</summary>
public class PolicyGateTests
{
    private const string Monitored = """
    {
      "cores": 1,
      "ports": { "gen": { "type": "generator", "flows": 50, "rateMpps": 0.2 }, "sink": { "type": "null" } },
      "nfs": { "ttl": { "type": "ttl" }, "mon": { "type": "monitor" } },
      "chains": [ { "name": "main", "from": "gen", "through": ["ttl", "mon"], "to": "sink" } ],
      "invariants": [ { "name": "monitored", "kind": "traversal", "from": "gen", "to": "sink", "through": ["mon"] } ]
    }
    """;

    [Test]
    public async Task RemovingTheMonitorIsRefusedWhileInsertingAnotherNfIsChecked()
    {
        await using var sw = await SwitchUnderTest.StartAsync(deployment: Monitored);
        var chains = sw.Chains();
        var e = (await Assert.ThrowsAsync<RpcException>(async () => await chains.RemoveNfAsync(new RemoveNfRequest { Chain = "main", Instance = "mon" })))!;
        Assert.That(e.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(e.Status.Detail, Does.Contain("remove 'mon' refused by the policy check").And.Contain("unchanged"));
        Assert.That(sw.Dataplane.RunningChains.Single().Through, Is.EqualTo(new[] { "ttl", "mon" }));

        var inserted = await chains.InsertNfAsync(new InsertNfRequest { Chain = "main", NewInstance = new NfInstanceSpec { Name = "ttl2", Type = "ttl" }, Position = 0 });
        Assert.That(inserted.Chain.Through, Is.EqualTo(new[] { "ttl2", "ttl", "mon" }));
        Assert.That(sw.Log, Has.Some.Contains("policy check for insert 'ttl2'").And.Some.Contains("monitored: holds"));

        var pool = (await Assert.ThrowsAsync<RpcException>(async () => await sw.Plugins().ReplaceAsync(new ReplaceNfRequest
        {
            Instance = "mon", NfType = "nat", ConfigJson = """{"insideNets": ["10.0.0.0/8"], "snat": {"addresses": ["203.0.113.1", "203.0.113.2"]}}""",
        })))!;
        Assert.That(pool.Status.Detail, Does.Contain("refused by the policy check").And.Contain("unknown"),
            "a NAT pool has no sound model translation yet, so the invariant cannot be decided: refused");
        Assert.That(sw.Dataplane.RunningNfs["mon"].Type, Is.EqualTo("monitor"));

        var firewall = await sw.Plugins().ReplaceAsync(new ReplaceNfRequest { Instance = "mon", NfType = "firewall", ConfigJson = """{"default":"accept"}""" });
        Assert.That(firewall.NewType, Is.EqualTo("firewall"), "the firewall translates its rules for its model, and 'mon' stays on the path");
    }
}
