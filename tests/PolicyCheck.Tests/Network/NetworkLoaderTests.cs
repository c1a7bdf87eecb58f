using Switchboard.PolicyCheck.Network;

namespace Switchboard.PolicyCheck.Tests.Network;

public class NetworkLoaderTests
{
    private static NetworkDescription Load(string json)
    {
        var result = NetworkLoader.Parse(json, "net.json");
        Assert.That(result.Errors, Is.Empty, result.FormatErrors());
        return result.Network!;
    }

    private static IReadOnlyList<NetworkError> Errors(string json)
    {
        var result = NetworkLoader.Parse(json, "net.json");
        Assert.That(result.Ok, Is.False, "expected errors");
        Assert.That(result.Network, Is.Null);
        return result.Errors;
    }

    private static string Minimal(string extra = "", string hosts = """[{ "name": "a", "group": "g" }, { "name": "b", "group": "g" }]""") => $$"""
        {
          "policyGroups": { "g": { "prefixes": ["10.0.0.0/24"] } },
          "hosts": {{hosts}}{{(extra.Length > 0 ? "," : "")}}
          {{extra}}
        }
        """;

    [Test]
    public void LoadsTheSampleDatacenter()
    {
        var net = Load(NetworkSamples.Datacenter);
        Assert.That(net.Groups.Select(g => g.Name), Is.EqualTo(new[] { "web", "db", "guest" }));
        Assert.That(net.Hosts.Select(h => h.Name), Is.EqualTo(new[] { "web1", "web2", "web3", "db1", "guest1" }));
        Assert.That(net.Node("web1").Addresses.Single().ToString(), Is.EqualTo("10.0.1.1"));
        Assert.That(net.Node("web3").Addresses.Single().ToString(), Is.EqualTo("10.0.1.3"));
        Assert.That(net.Node("db1").Addresses.Single().ToString(), Is.EqualTo("10.0.2.10"));
        Assert.That(net.Node("tor2").Kind, Is.EqualTo(NodeKind.Router));
        Assert.That(net.Function("fw1")!.Model, Is.EqualTo("acl-firewall"));
        Assert.That(net.Function("fw1")!.Config.GetProperty("allow").GetArrayLength(), Is.EqualTo(2));
        Assert.That(net.Routing["web2"].Single().NextHop, Is.EqualTo("tor2"));
        Assert.That(net.Routing["fw1"][0].Destinations, Has.Count.EqualTo(4));
        Assert.That(net.Routing["tor1"][1].WhenDown, Is.EqualTo(new[] { "fw1" }));
        Assert.That(net.Failures, Is.EqualTo(new FailureModel(["fw1"], 1)).Using<FailureModel>((x, y) => x.Nodes.SequenceEqual(y.Nodes) && x.MaxFailures == y.MaxFailures));
        Assert.That(net.Invariants.Select(i => (i.Name, i.Expect, i.UnderFailures)),
            Is.EqualTo(new[] { ("guest-db", (string?)"violated", true), ("guest-db-steady", "holds", false), ("web-db-via-fw", null, true) }));
        Assert.That(net.Invariants[2].Through, Is.EqualTo(new[] { "fw1" }));
        Assert.That(net.Options.Timeout, Is.EqualTo(TimeSpan.FromSeconds(5)));
        Assert.That((net.Options.Seed, net.Options.Reseeds, net.Options.Solver, net.Options.Symmetry, net.Options.Slicing), Is.EqualTo((7u, 1, "portfolio", false, true)));
        Assert.That(net.Resolve("web").Select(n => n.Name), Is.EqualTo(new[] { "web1", "web2", "web3" }));
    }

    [Test]
    public void HostRangesPairWithAddressRanges()
    {
        var net = Load(Minimal(hosts: """[{ "name": "h{1..3}", "group": "g", "address": "10.0.0.{11..13}" }]"""));
        Assert.That(net.Hosts.Select(h => $"{h.Name}={h.Addresses[0]}"), Is.EqualTo(new[] { "h1=10.0.0.11", "h2=10.0.0.12", "h3=10.0.0.13" }));
    }

    [Test]
    public void AutomaticAddressesSkipExplicitOnes()
    {
        var net = Load(Minimal(hosts: """[{ "name": "a", "group": "g" }, { "name": "b", "group": "g", "address": "10.0.0.2" }, { "name": "c", "group": "g" }]"""));
        Assert.That(net.Hosts.Select(h => h.Addresses[0].ToString()), Is.EqualTo(new[] { "10.0.0.1", "10.0.0.2", "10.0.0.3" }));
    }

    [Test]
    public void ErrorsCarryPathsLinesAndHints()
    {
        var errors = Errors("""
            {
              "policyGroups": { "web": { "prefixes": ["10.0.1.0/24", "10.0.2.1/24"] } },
              "hosts": [
                { "name": "w{1..2}", "group": "wbe" },
                { "name": "x", "group": "web", "address": "10.9.9.9" }
              ],
              "routers": ["core1"],
              "routing": { "x": [ { "dst": "web", "nextHop": "cor1" } ] },
              "invariants": [ { "name": "i", "kind": "isolaton", "from": "x", "to": "core1" } ],
              "colour": 1
            }
            """);
        var text = string.Join("\n", errors);
        Assert.That(text, Does.Contain("net.json:2:"));
        Assert.That(text, Does.Contain("$.policyGroups.web.prefixes[1]: host bits are set; did you mean 10.0.2.0/24?"));
        Assert.That(text, Does.Contain("$.hosts[0].group: unknown policy group 'wbe' (did you mean 'web'?)"));
        Assert.That(text, Does.Contain("$.hosts[1].address: 10.9.9.9 (host x) is outside policy group 'web'"));
        Assert.That(text, Does.Contain("$.routing.x[0].nextHop: unknown node 'cor1' (did you mean 'core1'?)"));
        Assert.That(text, Does.Contain("$.invariants[0].kind: unknown invariant kind 'isolaton' (did you mean 'isolation'?)"));
        Assert.That(text, Does.Contain("$.invariants[0].to: 'core1' is a router"));
        Assert.That(text, Does.Contain("$.colour: unknown key 'colour'"));
        Assert.That(errors.Select(e => e.Line), Is.Ordered, "errors come in file order");
    }

    [TestCase("""[{ "name": "a", "group": "g" }, { "name": "a", "group": "g" }]""", "$.hosts[1].name: host name 'a' is already used")]
    [TestCase("""[{ "name": "g", "group": "g" }]""", "is also a policy group name")]
    [TestCase("""[{ "name": "h{1..3}", "group": "g", "address": "10.0.0.{1..2}" }]""", "gives 2 address(es) for 3 name(s)")]
    [TestCase("""[{ "name": "a", "group": "g", "address": "10.0.0.5" }, { "name": "b", "group": "g", "address": "10.0.0.5" }]""", "address 10.0.0.5 of 'b' is already used by 'a'")]
    [TestCase("""[{ "name": "1a", "group": "g" }]""", "must start with a letter")]
    [TestCase("""[{ "name": "h{5..1}", "group": "g" }]""", "is empty")]
    public void HostErrors(string hosts, string message) =>
        Assert.That(string.Join("\n", Errors(Minimal(hosts: hosts))), Does.Contain(message));

    [TestCase(""" "routing": { "a": [ { "dst": "b", "nextHop": "b", "whenDown": ["b"] } ] } """, "'b' is not in failures.nodes, so it never fails")]
    [TestCase(""" "routing": { "a": [ { "dst": "10.0.0.0/33", "nextHop": "b" } ] } """, "prefix length '33' must be 0..32")]
    [TestCase(""" "routing": { "a": [ { "dst": "nowhere", "nextHop": "b" } ] } """, "'nowhere' is not '*', a policy group, a node")]
    [TestCase(""" "routing": { "a": [ { "dst": "10.0.0.99", "nextHop": "b" } ] } """, "no node uses address 10.0.0.99")]
    [TestCase(""" "routing": { "a": [ { "dst": "*", "nextHop": "a" } ] } """, "'a' cannot be its own next hop")]
    [TestCase(""" "routing": { "a": [], "{a..b}": [] } """, "is not a range")]
    [TestCase(""" "routing": { "a": [ { "dst": "*" } ] } """, "$.routing.a[0].nextHop: required key is missing")]
    [TestCase(""" "failures": { "nodes": ["a", "zz"], "maxFailures": 3 } """, "unknown node 'zz'")]
    [TestCase(""" "failures": { "nodes": ["a"], "maxFailures": 2 } """, "$.failures.maxFailures: must be 0..1, got 2")]
    [TestCase(""" "options": { "solver": "z4" } """, "unknown solver 'z4' (did you mean 'z3'?)")]
    [TestCase(""" "invariants": [ { "name": "i", "kind": "traversal", "from": "a", "to": "b", "through": ["a"] } ] """, "'a' is a host; \"through\" names NFs")]
    [TestCase(""" "invariants": [ { "name": "i", "kind": "isolation", "from": "a", "to": "b", "through": [] } ] """, "\"through\" is only allowed for kind 'traversal'")]
    [TestCase(""" "invariants": [ { "name": "i", "kind": "isolation", "from": "a", "to": "b", "expect": "fine" } ] """, "expected 'holds' or 'violated', got 'fine'")]
    [TestCase(""" "invariantSets": [ { "kind": "isolation", "groups": ["q"] } ] """, "unknown policy group 'q'")]
    public void OtherSectionErrors(string extra, string message) =>
        Assert.That(string.Join("\n", Errors(Minimal(extra))), Does.Contain(message));

    [Test]
    public void MalformedJsonIsOneLocatedError()
    {
        var errors = Errors("{\n  \"hosts\": [\n}");
        Assert.That(errors, Has.Count.EqualTo(1));
        Assert.That(errors[0].Message, Does.StartWith("malformed JSON"));
        Assert.That(errors[0].Line, Is.EqualTo(3));
    }

    [Test]
    public void InvariantSetsGenerateAllGroupPairsWithExpectations()
    {
        var net = Load("""
            {
              "policyGroups": { "a": { "prefixes": ["10.0.1.0/24"] }, "b": { "prefixes": ["10.0.2.0/24"] }, "c": { "prefixes": ["10.0.3.0/24"] } },
              "hosts": [ { "name": "a1", "group": "a" }, { "name": "b1", "group": "b" }, { "name": "c{1..2}", "group": "c" } ],
              "invariantSets": [
                { "kind": "isolation", "allow": [["a", "b"]] },
                { "kind": "data-isolation", "between": "hosts", "groups": ["a", "c"], "underFailures": false }
              ]
            }
            """);
        var groupPairs = net.Invariants.Where(i => i.Kind == "isolation").ToList();
        Assert.That(groupPairs, Has.Count.EqualTo(6));
        Assert.That(groupPairs.Single(i => i.Name == "isolation:a->b").Expect, Is.EqualTo("violated"));
        Assert.That(groupPairs.Single(i => i.Name == "isolation:b->a").Expect, Is.EqualTo("holds"));
        var hostPairs = net.Invariants.Where(i => i.Kind == "data-isolation").Select(i => i.Name).ToList();
        Assert.That(hostPairs, Is.EquivalentTo(new[] { "data-isolation:a1->c1", "data-isolation:a1->c2", "data-isolation:c1->a1", "data-isolation:c2->a1" }));
        Assert.That(net.Invariants.Where(i => i.Kind == "data-isolation").All(i => !i.UnderFailures && i.Expect is null));
    }

    [Test]
    public void MissingFileIsAnError()
    {
        var result = NetworkLoader.Load("/nonexistent/net.json");
        Assert.That(result.Errors.Single().Message, Does.StartWith("cannot read the network file"));
    }

    [Test]
    public void FunctionRangesShareConfigAndPairAddresses()
    {
        var net = Load(Minimal(""" "nfs": [ { "name": "nat{1..2}", "model": "snat", "config": { "pool": "x" }, "addresses": ["192.168.0.{1..2}"] } ] """));
        Assert.That(net.Functions.Select(f => f.Name), Is.EqualTo(new[] { "nat1", "nat2" }));
        Assert.That(net.Node("nat2").Addresses.Single().ToString(), Is.EqualTo("192.168.0.2"));
        Assert.That(net.Function("nat1")!.Config.GetProperty("pool").GetString(), Is.EqualTo("x"));
        Assert.That(net.Owner(net.Node("nat1").Addresses[0])!.Name, Is.EqualTo("nat1"));
    }

    [Test]
    public void WhenUpGuardsSelectARuleOnlyWhileTheNodeIsUp()
    {
        var net = Load(Minimal("""
            "routers": ["r"],
            "nfs": [ { "name": "ids", "model": "forwarder" } ],
            "routing": { "a": [ { "dst": "b", "nextHop": "r", "whenUp": ["ids"] }, { "dst": "b", "nextHop": "b" } ], "r": [ { "dst": "b", "nextHop": "b" } ] },
            "failures": { "nodes": ["ids"] }
            """));
        var b = net.Node("b").Addresses[0];
        Assert.That(net.Failures.MaxFailures, Is.EqualTo(1), "maxFailures defaults to 1");
        Assert.That(net.Transfer.Hops("a", net.Transfer.ClassOf(b)!).Select(h => h.ToString()), Is.EquivalentTo(new[] { "[ids up] r -> b", "[ids down] b" }));
    }
}
