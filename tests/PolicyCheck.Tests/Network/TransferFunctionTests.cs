using Switchboard.PolicyCheck.Network;

namespace Switchboard.PolicyCheck.Tests.Network;

public class TransferFunctionTests
{
    private static NetworkDescription Load(string json)
    {
        var result = NetworkLoader.Parse(json, "net.json");
        Assert.That(result.Errors, Is.Empty, result.FormatErrors());
        return result.Network!;
    }

    private static Ipv4Address Addr(NetworkDescription net, string host) => net.Node(host).Addresses[0];

    [Test]
    public void NextHopsFollowRoutersAndFailOverWhenTheFirewallIsDown()
    {
        var net = Load(NetworkSamples.Datacenter);
        var tf = net.Transfer;
        var none = new HashSet<string>();
        var fwDown = new HashSet<string> { "fw1" };
        Assert.That(tf.NextHop("guest1", Addr(net, "db1"), none), Is.EqualTo("fw1"));
        Assert.That(tf.NextHop("guest1", Addr(net, "db1"), fwDown), Is.EqualTo("db1"));
        Assert.That(tf.NextHop("fw1", Addr(net, "db1"), none), Is.EqualTo("db1"));
        Assert.That(tf.NextHop("fw1", Addr(net, "web2"), none), Is.EqualTo("web2"));
        Assert.That(tf.NextHop("web1", Addr(net, "db1"), none), Is.EqualTo("db1"));
        Assert.That(tf.NextHop("guest1", Addr(net, "web1"), fwDown), Is.Null, "no backup route for web: dropped");
        Assert.That(tf.NextHop("db1", Addr(net, "guest1"), fwDown), Is.Null);

        var hops = tf.Hops("guest1", tf.ClassOf(Addr(net, "db1"))!);
        Assert.That(hops.Select(h => h.ToString()), Is.EquivalentTo(new[] { "[fw1 up] tor1 -> fw1", "[fw1 down] tor1 -> tor2 -> db1" }));
        Assert.That(tf.Loops, Is.Empty);
    }

    [Test]
    public void DestinationClassesGroupAddressesTheRulesTreatAlike()
    {
        var net = Load("""
            {
              "policyGroups": { "in": { "prefixes": ["10.0.1.0/24"] }, "out": { "prefixes": ["10.0.2.0/24"] } },
              "hosts": [ { "name": "h{1..3}", "group": "in" }, { "name": "x", "group": "out" } ],
              "routers": ["r"],
              "routing": { "x": [ { "dst": "*", "nextHop": "r" } ], "r": [ { "dst": "in", "nextHop": "h1" }, { "dst": "10.0.1.3", "nextHop": "h3" } ] }
            }
            """);
        var tf = net.Transfer;
        Assert.That(tf.ClassOf(Addr(net, "h1")), Is.SameAs(tf.ClassOf(Addr(net, "h2"))));
        Assert.That(tf.ClassOf(Addr(net, "h1")), Is.Not.SameAs(tf.ClassOf(Addr(net, "h3"))));
        Assert.That(tf.ClassOf(Addr(net, "h1")), Is.Not.SameAs(tf.ClassOf(Addr(net, "x"))));
        Assert.That(tf.Classes, Has.Count.EqualTo(3));
    }

    private const string Ring = """
        {
          "policyGroups": { "g": { "prefixes": ["10.0.0.0/24"] } },
          "hosts": [ { "name": "a", "group": "g" }, { "name": "b", "group": "g" } ],
          "routers": ["r1", "r2", "r3"],
          "routing": {
            "a": [ { "dst": "*", "nextHop": "r1" } ],
            "r1": [ { "dst": "b", "nextHop": "b" }, { "dst": "b", "nextHop": "r2", "whenDown": ["b"] } ],
            "r2": [ { "dst": "b", "nextHop": "r3" } ],
            "r3": [ { "dst": "b", "nextHop": "r1" }, { "dst": "a", "nextHop": "a" } ]
          },
          %FAILURES%
        }
        """;

    [Test]
    public void LoopThatOnlyAFailureOpensIsAnErrorNamingTheCycleAndScenario()
    {
        var result = NetworkLoader.Parse(Ring.Replace("%FAILURES%", """ "failures": { "nodes": ["b"], "maxFailures": 1 } """), "ring.json");
        Assert.That(result.Ok, Is.False);
        var error = result.Errors.Single();
        Assert.That(error.Message, Is.EqualTo("forwarding loop r1 -> r2 -> r3 -> r1 for packets to 10.0.0.2 when b is down"));
        Assert.That(error.JsonPath, Is.EqualTo("$.routing.r3[0]"));
        Assert.That(error.Line, Is.Not.Null);
    }

    [Test]
    public void WithoutThatFailureTheSameRoutingIsLoopFree()
    {
        var result = NetworkLoader.Parse(Ring.Replace("%FAILURES%", """ "failures": { "nodes": ["b"], "maxFailures": 0 } """), "ring.json");
        Assert.That(result.Errors, Is.Empty, result.FormatErrors());
    }

    [Test]
    public void LoopAcrossFunctionsIsFound()
    {
        var result = NetworkLoader.Parse("""
            {
              "policyGroups": { "g": { "prefixes": ["10.0.0.0/24"] } },
              "hosts": [ { "name": "a", "group": "g" }, { "name": "b", "group": "g" } ],
              "nfs": [ { "name": "ids", "model": "forwarder" }, { "name": "fw", "model": "forwarder" } ],
              "routers": ["r"],
              "routing": {
                "a": [ { "dst": "*", "nextHop": "ids" } ],
                "ids": [ { "dst": "b", "nextHop": "r" } ],
                "r": [ { "dst": "b", "nextHop": "fw" } ],
                "fw": [ { "dst": "b", "nextHop": "ids" } ]
              }
            }
            """, "nf-loop.json");
        Assert.That(result.Errors.Select(e => e.Message), Is.EqualTo(new[] { "forwarding loop ids -> r -> fw -> ids for packets to 10.0.0.2 with no failures" }));
    }
}
