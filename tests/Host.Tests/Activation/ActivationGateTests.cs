using Switchboard.Host.Activation;
using Switchboard.Host.Config;
using Switchboard.Host.Runtime;

namespace Switchboard.Host.Tests.Activation;

/// <summary>The VMN activation gate over real deployments and the in-tree NFs' own models, decided by z3.</summary>
public class ActivationGateTests
{
    private static string Deployment(string nfs, string through, string invariants) => $$"""
        {
          "cores": 1,
          "ports": { "gen": { "type": "generator", "flows": 10 }, "sink": { "type": "null" } },
          "nfs": { {{nfs}} },
          "chains": [ { "name": "main", "from": "gen", "through": [{{through}}], "to": "sink" } ],
          "invariants": [ {{invariants}} ]
        }
        """;

    private static ActivationGate.Outcome Check(string json, bool acceptUnknown = false, bool translateConfigs = true)
    {
        var registry = NfRegistry.BuiltIn();
        var loaded = DeploymentLoader.Parse(json, "gate.json", registry.Names);
        Assert.That(loaded.Errors, Is.Empty, loaded.FormatErrors());
        var d = loaded.Deployment!;
        return translateConfigs
            ? ActivationGate.Check(d.Ports, d.Chains, d.Nfs, d.Invariants, registry, acceptUnknown)
            // As for an NF whose plugin does not implement IModelConfig.
            : ActivationGate.Check(d.Ports, d.Chains, d.Nfs, d.Invariants, spec => registry.ModelOf(spec.Type), acceptUnknown);
    }

    private const string TtlAndMonitor = "\"ttl\": { \"type\": \"ttl\" }, \"mon\": { \"type\": \"monitor\" }";

    [Test]
    public void A_traversal_the_chain_guarantees_holds()
    {
        var o = Check(Deployment(TtlAndMonitor, "\"ttl\", \"mon\"",
            """{ "name": "monitored", "kind": "traversal", "from": "gen", "to": "sink", "through": ["mon"] }"""));
        Assert.That(o.Allowed, Is.True, string.Join("\n", o.Lines));
        Assert.That(o.Lines.Single(), Does.StartWith("invariant monitored: holds"));
    }

    [Test]
    public void A_pipeline_in_the_chains_order_holds_and_the_reverse_order_is_violated()
    {
        var o = Check(Deployment(TtlAndMonitor, "\"ttl\", \"mon\"",
            """
            { "name": "ttl-then-monitor", "kind": "pipeline", "from": "gen", "to": "sink", "stages": ["ttl", "mon"] },
            { "name": "monitor-then-ttl", "kind": "pipeline", "from": "gen", "to": "sink", "stages": [["mon"], "ttl"], "expect": "violated" }
            """));
        Assert.That(o.Allowed, Is.True, string.Join("\n", o.Lines));
        Assert.That(o.Lines.Single(l => l.Contains("ttl-then-monitor")), Does.Contain("holds"));
        Assert.That(o.Lines.Single(l => l.Contains("monitor-then-ttl")), Does.Contain("violated"));
    }

    [Test]
    public void A_violated_isolation_refuses_activation_with_its_counterexample()
    {
        var o = Check(Deployment(TtlAndMonitor, "\"ttl\", \"mon\"",
            """{ "name": "gen-never-reaches-sink", "kind": "isolation", "from": "gen", "to": "sink" }"""));
        Assert.That(o.Allowed, Is.False);
        var text = string.Join("\n", o.Lines);
        Assert.That(text, Does.Contain("gen-never-reaches-sink: violated"));
        Assert.That(text, Does.Contain("gen").And.Contain("sink").And.Contain("mon"), "the trace walks the chain");
    }

    [Test]
    public void A_violation_the_operator_expects_is_allowed()
    {
        var o = Check(Deployment(TtlAndMonitor, "\"ttl\", \"mon\"",
            """{ "name": "reachable", "kind": "isolation", "from": "gen", "to": "sink", "expect": "violated" }"""));
        Assert.That(o.Allowed, Is.True, string.Join("\n", o.Lines));
    }

    [Test]
    public void Removing_the_nf_a_traversal_needs_is_refused()
    {
        // What a hot remove of 'mon' would leave: the gate sees the chain without it.
        var registry = NfRegistry.BuiltIn();
        var d = DeploymentLoader.Parse(Deployment(TtlAndMonitor, "\"ttl\", \"mon\"",
            """{ "name": "monitored", "kind": "traversal", "from": "gen", "to": "sink", "through": ["mon"] }"""), "gate.json", registry.Names).Deployment!;
        var after = d.Chains.Select(c => c with { Through = c.Through.Where(n => n != "mon").ToList() }).ToList();
        var nfs = d.Nfs.Where(kv => kv.Key != "mon").ToDictionary();
        var o = ActivationGate.Check(d.Ports, after, nfs, d.Invariants, registry, acceptUnknown: false);
        Assert.That(o.Allowed, Is.False);
        Assert.That(string.Join("\n", o.Lines), Does.Contain("mon"));
    }

    [Test]
    public void An_nf_whose_model_needs_configuration_makes_invariants_unknown_and_refuses_unless_accepted()
    {
        string json = Deployment(TtlAndMonitor + ", \"fw\": { \"type\": \"firewall\", \"config\": { \"default\": \"accept\", \"rules\": [] } }",
            "\"fw\", \"ttl\", \"mon\"", """{ "name": "monitored", "kind": "traversal", "from": "gen", "to": "sink", "through": ["mon"] }""");
        var refused = Check(json, translateConfigs: false);
        Assert.That(refused.Allowed, Is.False);
        Assert.That(string.Join("\n", refused.Lines), Does.Contain("monitored: unknown").And.Contain("NF 'fw' (firewall)").And.Contain("takes configuration"));
        var accepted = Check(json, acceptUnknown: true, translateConfigs: false);
        Assert.That(accepted.Allowed, Is.True);
        Assert.That(accepted.Lines, Has.Some.Contains("WARNING"));
    }

    [Test]
    public void No_invariants_no_check()
    {
        var o = Check(Deployment(TtlAndMonitor, "\"ttl\", \"mon\"", ""));
        Assert.That((o.Allowed, o.Lines.Count), Is.EqualTo((true, 0)));
    }
}
