using Switchboard.Host.Activation;
using Switchboard.Host.Config;
using Switchboard.Host.Runtime;

namespace Switchboard.Host.Tests.Activation;

/// <summary>The gate over NFs whose models take configuration: each plugin translates its plugins.json config
/// (IModelConfig), ports declare the prefixes of their traffic, z3 decides.</summary>
public class ModelConfigGateTests
{
    private static string Deployment(string firewallConfig, string invariant) => $$"""
        {
          "cores": 1,
          "ports": {
            "inside": { "type": "generator", "flows": 10, "sourceNet": "10.1.0.0/16", "prefixes": ["10.1.0.0/16"] },
            "outside": { "type": "null", "prefixes": ["10.2.0.0/16"] }
          },
          "nfs": { "fw": { "type": "firewall", "config": {{firewallConfig}} }, "mon": { "type": "monitor" } },
          "chains": [ { "name": "main", "from": "inside", "through": ["fw", "mon"], "to": "outside" } ],
          "invariants": [ {{invariant}} ]
        }
        """;

    private const string Isolation = """{ "name": "inside-never-reaches-outside", "kind": "isolation", "from": "inside", "to": "outside" }""";

    private static ActivationGate.Outcome Check(string json)
    {
        var registry = NfRegistry.BuiltIn();
        var loaded = DeploymentLoader.Parse(json, "gate.json", registry.Names);
        Assert.That(loaded.Errors, Is.Empty, loaded.FormatErrors());
        var d = loaded.Deployment!;
        return ActivationGate.Check(d.Ports, d.Chains, d.Nfs, d.Invariants, registry, acceptUnknown: false);
    }

    [Test]
    public void Firewall_rules_that_drop_traffic_between_the_ports_prefixes_make_isolation_hold()
    {
        var o = Check(Deployment("""
            { "default": "accept", "rules": [ "drop from 10.1.0.0/16 to 10.2.0.0/16", "drop state invalid" ] }
            """, Isolation));
        Assert.That(o.Allowed, Is.True, string.Join("\n", o.Lines));
        Assert.That(o.Lines[0], Does.StartWith("invariant inside-never-reaches-outside: holds"));
    }

    [Test]
    public void Firewall_rules_that_accept_the_traffic_violate_isolation_with_a_trace_through_the_firewall()
    {
        var o = Check(Deployment("""
            { "default": "drop", "rules": [ "drop tcp to any port 23", "accept tcp from 10.0.0.0/8 to 10.2.0.0/16 port 80,443" ] }
            """, Isolation));
        Assert.That(o.Allowed, Is.False);
        var text = string.Join("\n", o.Lines);
        Assert.That(text, Does.Contain("inside-never-reaches-outside: violated"));
        Assert.That(text, Does.Contain("fw").And.Contain("outside"), "the trace walks through the firewall");
    }

    [Test]
    public void A_firewall_that_only_accepts_ipv6_lets_no_ipv4_traffic_through()
    {
        var o = Check(Deployment("""{ "default": "drop", "rules": [ "accept ip6", "accept from 2001:db8::/32" ] }""", Isolation));
        Assert.That(o.Allowed, Is.True, string.Join("\n", o.Lines));
    }

    [Test]
    public void Without_declared_prefixes_ports_get_synthetic_groups_and_rules_apply_to_those()
    {
        // 'inside' is port 0 (10.0.0.0/24), 'outside' port 1 (10.0.1.0/24).
        string json = Deployment("""{ "default": "accept", "rules": [ "drop from 10.0.0.0/24 to 10.0.1.0/24" ] }""", Isolation)
            .Replace(", \"prefixes\": [\"10.1.0.0/16\"]", "").Replace(", \"prefixes\": [\"10.2.0.0/16\"]", "");
        var o = Check(json);
        Assert.That(o.Allowed, Is.True, string.Join("\n", o.Lines));
    }

    [Test]
    public void The_example_egress_chain_is_decided_with_the_plugins_own_configurations()
    {
        var registry = NfRegistry.BuiltIn();
        var loaded = DeploymentLoader.Load(Path.Combine(Switchboard.Host.Tests.Config.ConfigTestFiles.ExamplesDir, "egress-invariants.json"), registry.Names);
        Assert.That(loaded.Errors, Is.Empty, loaded.FormatErrors());
        var d = loaded.Deployment!;
        Assert.That(d.Chains.Single(c => c.Name == "egress").Through, Is.EqualTo(new[] { "firewall", "ips", "ttl", "nat", "monitor" }));
        var o = ActivationGate.Check(d.Ports, d.Chains, d.Nfs, d.Invariants, registry, acceptUnknown: false);
        var text = string.Join("\n", o.Lines);
        Assert.That(o.Allowed, Is.True, text);
        Assert.That(text, Does.Not.Contain("unknown"));
        Assert.That(text, Does.Contain("egress-monitored: holds").And.Contain("egress-firewalled: holds").And.Contain("egress-filtered-then-inspected: holds").And.Contain("wan-never-sees-lan-addresses: holds").And.Contain("lan-data-reaches-wan: violated"));
    }

    [Test]
    public void A_nat_mode_load_balancer_sends_clients_to_its_backends_and_a_dsr_one_stays_unknown()
    {
        const string Lb = """
            {
              "cores": 1,
              "ports": {
                "clients": { "type": "generator", "flows": 10, "prefixes": ["172.16.0.0/12"] },
                "servers": { "type": "null", "prefixes": ["10.2.0.0/16"] }
              },
              "nfs": { "lb": { "type": "maglev", "config": { "mode": "MODE", "backends": { "web1": BACKEND } } } },
              "chains": [ { "name": "vip", "from": "clients", "through": ["lb"], "to": "servers" } ],
              "invariants": [ { "name": "clients-reach-servers", "kind": "isolation", "from": "clients", "to": "servers", "expect": "violated" } ]
            }
            """;
        var nat = Check(Lb.Replace("MODE", "nat").Replace("BACKEND", """{ "ip": "10.2.0.1" }"""));
        Assert.That(nat.Allowed, Is.True, string.Join("\n", nat.Lines));
        Assert.That(nat.Lines[0], Does.StartWith("invariant clients-reach-servers: violated"));
        var dsr = Check(Lb.Replace("MODE", "dsr").Replace("BACKEND", """{ "mac": "02:00:00:00:01:01" }"""));
        Assert.That(dsr.Allowed, Is.False);
        Assert.That(string.Join("\n", dsr.Lines), Does.Contain("clients-reach-servers: unknown").And.Contain("cannot express this config"));
    }

    [TestCase("10.2.0.0/16", true)]
    [TestCase("10.3.0.0/16", false)]
    public void A_router_without_a_route_to_the_outside_ports_prefixes_isolates_it(string route, bool reaches)
    {
        string json = $$"""
            {
              "cores": 1,
              "ports": {
                "inside": { "type": "generator", "flows": 10, "prefixes": ["10.1.0.0/16"] },
                "outside": { "type": "null", "prefixes": ["10.2.0.0/16"] }
              },
              "nfs": { "r": { "type": "lpm", "config": { "routes": [ { "prefix": "{{route}}", "nextHop": 1 } ] } } },
              "chains": [ { "name": "main", "from": "inside", "through": ["r"], "to": "outside" } ],
              "invariants": [ {{Isolation}} ]
            }
            """;
        var o = Check(json);
        Assert.That(o.Lines[0], Does.StartWith($"invariant inside-never-reaches-outside: {(reaches ? "violated" : "holds")}"), string.Join("\n", o.Lines));
    }

    [Test]
    public void An_nf_leaving_towards_one_port_by_two_paths_is_not_modelled_and_stays_unknown()
    {
        // Routing by destination would send b's packets down a's path (through mon), which the switch does not do.
        const string json = """
            {
              "cores": 1,
              "ports": { "a": { "type": "generator", "flows": 10 }, "b": { "type": "generator", "flows": 10 }, "c": { "type": "null" } },
              "nfs": { "fw": { "type": "firewall", "config": { "default": "accept" } }, "mon": { "type": "monitor" } },
              "chains": [ { "name": "via-mon", "from": "a", "through": ["fw", "mon"], "to": "c" }, { "name": "direct", "from": "b", "through": ["fw"], "to": "c" } ],
              "invariants": [ { "name": "b-reaches-c", "kind": "isolation", "from": "b", "to": "c", "expect": "violated" } ]
            }
            """;
        var o = Check(json);
        Assert.That(o.Allowed, Is.False);
        Assert.That(string.Join("\n", o.Lines), Does.Contain("b-reaches-c: unknown").And.Contain("'fw' forwards towards port 'c' to 'mon' in chain via-mon but to 'c' in chain direct"));
    }
}
