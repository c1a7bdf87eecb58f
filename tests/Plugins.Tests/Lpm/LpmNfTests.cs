using System.Text.Json;
using Switchboard.Plugins.Lpm;
using Switchboard.Sdk;
using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Plugins.Tests.Lpm;

public class LpmNfTests
{
    private static NfConfig Config(string json) => new(JsonDocument.Parse(json).RootElement.Clone(), "$.nfs.router.config");

    private sealed class Routed
    {
        public readonly List<int> Hops = [];
    }

    private static (GraphHarness H, LpmNf Nf, Routed Out, Capture Capture) Build(string json)
    {
        var h = new GraphHarness();
        var nf = new LpmNf();
        var routed = new Routed();
        var pipe = nf.Build(h.Input, h.NfContext("router", Config(json)))
            .Transform(p => routed.Hops.Add(p.Metadata<RouteMetadata>().NextHop));
        return (h, nf, routed, h.Capture(pipe));
    }

    private static Dictionary<string, long> Counters(ICounterSource nf)
    {
        var list = new List<KeyValuePair<string, long>>();
        nf.ReadCounters(list);
        return list.ToDictionary(kv => kv.Key, kv => kv.Value);
    }

    [Test]
    public void WritesTheLongestMatchsNextHopIntoMetadata()
    {
        var (h, nf, routed, cap) = Build("""
            {"routes": [{"prefix": "10.0.0.0/8", "nextHop": 1}, {"prefix": "10.1.0.0/16", "nextHop": 2},
                        {"prefix": "10.1.2.128/25", "nextHop": 3}, {"prefix": "10.1.2.200/32", "nextHop": 4}], "default": 9}
            """);
        h.Push(Frames.Udp(dst: "10.9.9.9"), Frames.Udp(dst: "10.1.9.9"), Frames.Udp(dst: "10.1.2.129"),
            Frames.Udp(dst: "10.1.2.200"), Frames.Udp(dst: "10.1.2.127"), Frames.Tcp(dst: "192.0.2.1"));
        Assert.That(routed.Hops, Is.EqualTo(new[] { 1, 2, 3, 4, 2, 9 }));
        Assert.That(cap.Packets, Has.Count.EqualTo(6));
        var c = Counters(nf);
        Assert.That((c["routed"], c["default-route"], c["no-route"]), Is.EqualTo((5L, 1L, 0L)));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void WithoutADefaultUnroutablePacketsAreDroppedAndCounted()
    {
        var (h, nf, routed, _) = Build("""{"routes": [{"prefix": "10.0.0.0/8", "nextHop": 1}]}""");
        h.Push(Frames.Udp(dst: "10.0.0.1"), Frames.Udp(dst: "11.0.0.1"));
        Assert.That(routed.Hops, Is.EqualTo(new[] { 1 }));
        Assert.That(Counters(nf)["no-route"], Is.EqualTo(1));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void ControlPlaneRouteChangesReachTheDataPath()
    {
        var (h, nf, routed, _) = Build("""{"routes": [{"prefix": "10.0.0.0/8", "nextHop": 1}], "default": 0}""");
        h.Push(Frames.Udp(dst: "10.2.3.4"));
        nf.Table.Add(new Route(0x0A020300, 24, 5));
        h.Push(Frames.Udp(dst: "10.2.3.4"));
        nf.Table.Remove(0x0A000000, 8);
        nf.Table.Remove(0x0A020300, 24);
        h.Push(Frames.Udp(dst: "10.2.3.4"));
        Assert.That(routed.Hops, Is.EqualTo(new[] { 1, 5, 0 }));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [TestCase("""{"routes": [{"prefix": "10.0.0.1/8", "nextHop": 1}]}""", "$.nfs.router.config.routes[0].prefix", "host bits")]
    [TestCase("""{"routes": [{"prefix": "10.0.0.0/8", "nextHop": 1}, {"prefix": "10.0.0/8", "nextHop": 1}]}""", "$.nfs.router.config.routes[1].prefix", "not an IPv4 prefix")]
    [TestCase("""{"routes": [{"prefix": "2001:db8::/32", "nextHop": 1}]}""", "$.nfs.router.config.routes[0].prefix", "not an IPv4 prefix")]
    [TestCase("""{"routes": [{"prefix": "10.0.0.0/33", "nextHop": 1}]}""", "$.nfs.router.config.routes[0].prefix", "0-32")]
    [TestCase("""{"routes": [{"prefix": "10.0.0.0/8", "nextHop": 40000}]}""", "$.nfs.router.config.routes[0].nextHop", "outside")]
    [TestCase("""{"routes": [{"prefix": "10.0.0.0/8", "nexthop": 1}]}""", "$.nfs.router.config.routes[0].nexthop", "unknown key")]
    [TestCase("""{"routes": [{"prefix": "10.0.0.0/8"}]}""", "$.nfs.router.config.routes[0].nextHop", "missing")]
    [TestCase("""{"routes": ["10.0.0.0/8"]}""", "$.nfs.router.config.routes[0]", "expected an object")]
    [TestCase("""{"route": []}""", "$.nfs.router.config.route", "unknown key")]
    public void ConfigErrorsNameTheJsonPath(string json, string path, string reason)
    {
        var h = new GraphHarness();
        var e = Assert.Throws<ConfigException>(() => new LpmNf().Build(h.Input, h.NfContext("router", Config(json))));
        Assert.That(e!.JsonPath, Is.EqualTo(path));
        Assert.That(e.Reason, Does.Contain(reason));
    }
}
