using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Switchboard.Plugins.Maglev;
using Switchboard.Sdk;
using Switchboard.Sdk.Tests.Support;
using static Switchboard.Plugins.Tests.Nat.NatFrames;

namespace Switchboard.Plugins.Tests.Maglev;

public class MaglevNfTests
{
    private static string Mac(int i) => $"02:00:00:00:01:{i:x2}";

    /// <summary>A DSR config with backends b0..b(n-1), weights as given (default 1).</summary>
    private static string Dsr(int n, int[]? weights = null, string extra = "")
    {
        var sb = new StringBuilder("""{ "backends": {""");
        for (int i = 0; i < n; i++)
            sb.Append($"{(i > 0 ? "," : "")} \"b{i}\": {{ \"mac\": \"{Mac(i)}\", \"ip\": \"10.1.0.{i + 1}\", \"weight\": {weights?[i] ?? 1} }}");
        sb.Append('}').Append(extra).Append('}');
        return sb.ToString();
    }

    private static (GraphHarness H, Capture Out, MaglevNf Nf) Build(string json, Func<long>? clock = null)
    {
        var h = new GraphHarness(clock: clock);
        var nf = new MaglevNf();
        var output = h.Capture(nf.Build(h.Input, h.NfContext("lb", Config(json, "lb"))));
        return (h, output, nf);
    }

    private static byte[][] Flows(int count, int first = 0) => Enumerable.Range(first, count)
        .Select(i => Frames.Tcp(src: $"198.18.{i / 250 % 250}.{i % 250 + 1}", dst: "192.0.2.10", sport: (ushort)(1024 + i / 62500), dport: 80,
            payload: BitConverter.GetBytes(i)))
        .ToArray();

    /// <summary>Flow id (from the payload) -> backend index (from the destination MAC).</summary>
    private static Dictionary<int, int> Assignment(Capture c) => c.Packets.ToDictionary(FlowId, p => (int)p.Bytes[5]);

    /// <summary>The flow id in the payload of <see cref="Flows"/>' frames, read at its fixed offset (Ethernet 14 + IPv4
    /// 20 + TCP 20): in "dsr" mode the NF leaves TCP unparsed (it does not need it), so the parse stack's payload starts
    /// at the TCP header.</summary>
    private static int FlowId(Captured p) => BitConverter.ToInt32(p.Bytes, 54);

    private static Dictionary<int, int> Route(string json, byte[][] flows, Action<MaglevControl>? before = null)
    {
        var (h, output, nf) = Build(json);
        before?.Invoke(nf.Control);
        h.Push(flows);
        h.Poll();
        Assert.That(h.InUseDelta, Is.Zero);
        return Assignment(output);
    }

    [Test]
    public void Table_IsFilledEvenly_AndItsSizeMustBePrime()
    {
        var names = Enumerable.Range(0, 7).Select(i => $"b{i}").ToArray();
        var counts = MaglevTable.Populate(names).GroupBy(x => x).Select(g => g.Count()).ToArray();
        Assert.That(counts, Has.Length.EqualTo(7));
        Assert.That(counts.Max() - counts.Min(), Is.LessThanOrEqualTo(1));
        Assert.Throws<ArgumentException>(() => MaglevTable.Populate(names, 65536));
    }

    [Test]
    public void FlowsSpreadEvenly_StickToTheirBackend_AndCarryTheChoice()
    {
        var (h, output, nf) = Build(Dsr(5));
        var flows = Flows(10000);
        h.Push(flows);
        h.Poll();
        var first = Assignment(output);
        Assert.That(first, Has.Count.EqualTo(10000));
        foreach (var g in first.GroupBy(kv => kv.Value))
            Assert.That(g.Count(), Is.InRange(1700, 2300), $"backend {g.Key} gets about a fifth");
        Assert.That(first.Values.Distinct().Count(), Is.EqualTo(5));

        output.Packets.Clear();
        h.Push(flows);
        h.Poll();
        var second = Assignment(output);
        Assert.That(second.Keys, Is.EquivalentTo(first.Keys));
        Assert.That(first.Count(kv => second[kv.Key] != kv.Value), Is.Zero, "every packet of a flow goes to the same backend");
        Assert.That(nf.Cache.Hits, Is.EqualTo(10000));
        var p = output.Packets[0].Bytes;
        Assert.That(p.AsSpan(0, 6).ToArray(), Is.EqualTo(MacBytes(Mac(p[5]))), "DSR rewrites the destination MAC");
        Assert.That(h.InUseDelta, Is.Zero);
    }

    private static byte[] MacBytes(string mac) => mac.Split(':').Select(x => Convert.ToByte(x, 16)).ToArray();

    [Test]
    public void RemovingOneOfTenBackends_MovesAboutATenthOfNewFlows_AndNoEstablishedFlow()
    {
        var flows = Flows(20000);
        var before = Route(Dsr(10), flows);
        var after = Route(Dsr(10), flows, c => c.Remove("b3")); // a fresh balancer: every flow is new to it
        int moved = before.Count(kv => after[kv.Key] != kv.Value);
        int survivorsMoved = before.Count(kv => kv.Value != 3 && after[kv.Key] != kv.Value);
        Assert.That(after.Values, Has.No.Member(3));
        Assert.That(moved / 20000.0, Is.InRange(0.07, 0.13), "about 1/N of flows move: those of the removed backend");
        Assert.That(survivorsMoved / 20000.0, Is.LessThan(0.02), "flows of the other backends mostly stay (minimal disruption)");

        // On a running balancer, established flows never move, even those of the removed backend (they drain).
        var (h, output, nf) = Build(Dsr(10));
        h.Push(flows);
        h.Poll();
        var established = Assignment(output);
        long version = nf.Control.Version;
        nf.Control.Remove("b3");
        Assert.That(nf.Control.Version, Is.GreaterThan(version));
        output.Packets.Clear();
        h.Push(flows);
        h.Push(Flows(5000, first: 100000));
        h.Poll();
        var now = Assignment(output);
        Assert.That(established.All(kv => now[kv.Key] == kv.Value), Is.True);
        Assert.That(now.Where(kv => kv.Key >= 100000).Select(kv => kv.Value), Has.No.Member(3), "new flows avoid the removed backend");
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void Weights_AreRespected_AndABackendAddedAtRunTimeTakesNewFlows()
    {
        var json = Dsr(4, [1, 2, 3, 0]);
        var (h, output, nf) = Build(json);
        var table = nf.Control.Table.Published.ToArray();
        var share = Enumerable.Range(0, 4).Select(b => table.Count(x => x == b) / (double)table.Length).ToArray();
        Assert.That(share[0], Is.EqualTo(1 / 6.0).Within(0.005));
        Assert.That(share[1], Is.EqualTo(2 / 6.0).Within(0.005));
        Assert.That(share[2], Is.EqualTo(3 / 6.0).Within(0.005));
        Assert.That(share[3], Is.Zero, "weight 0: configured but not in the table");

        h.Push(Flows(12000));
        h.Poll();
        var first = Assignment(output);
        Assert.That(first.Count(kv => kv.Value == 2) / 12000.0, Is.EqualTo(0.5).Within(0.03));
        Assert.That(first.Count(kv => kv.Value == 0) / 12000.0, Is.EqualTo(1 / 6.0).Within(0.03));

        nf.Control.Add("b3", 6); // now 1:2:3:6
        output.Packets.Clear();
        h.Push(Flows(12000, first: 50000));
        h.Poll();
        var second = Assignment(output);
        Assert.That(second.Count(kv => kv.Value == 3) / 12000.0, Is.EqualTo(0.5).Within(0.03));
        Assert.That(nf.Control.WeightOf("b3"), Is.EqualTo(6));
        Assert.Throws<ArgumentException>(() => nf.Control.Add("nope"));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void NatMode_RewritesTheDestinationAddress_WithValidChecksums()
    {
        var (h, output, _) = Build(Dsr(3, extra: """, "mode": "nat" """));
        h.Push(Frames.Tcp(src: "198.18.0.1", dst: "192.0.2.10", payload: [1, 2, 3]), Frames.Udp(src: "198.18.0.2", dst: "192.0.2.10", payload: [4]));
        h.Poll();
        Assert.That(output.Packets, Has.Count.EqualTo(2));
        foreach (var p in output.Packets)
        {
            Assert.That(Dst(p.Bytes), Does.StartWith("10.1.0."));
            AssertChecksumsValid(p.Bytes, "nat mode");
        }
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void ConnectionCache_IsBounded_AndForgetsIdleFlows()
    {
        long now = 0;
        var (h, output, nf) = Build(Dsr(4, extra: """, "maxFlows": 100, "flowTimeoutSeconds": 3 """), () => now);
        var flows = Flows(150);
        h.Push(flows);
        h.Poll();
        Assert.That(nf.Cache.Count, Is.EqualTo(100));
        Assert.That(nf.Cache.Untracked, Is.EqualTo(50));
        var first = Assignment(output);
        output.Packets.Clear();
        h.Push(flows);
        h.Poll();
        var again = Assignment(output);
        Assert.That(first.Count(kv => again[kv.Key] != kv.Value), Is.Zero, "untracked flows still map consistently through the table");

        for (int s = 0; s < 4; s++) { now += Stopwatch.Frequency; h.Poll(); }
        Assert.That(nf.Cache.Count, Is.Zero);
        Assert.That(nf.Cache.Expired, Is.EqualTo(100));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void TwoCores_FlowsStayOnOneCoreAndOneBackend_SharingOneTable()
    {
        var shared = new Switchboard.Sdk.Runtime.SharedRegistry();
        var cores = Enumerable.Range(0, 2).Select(c => new GraphHarness(c, 2, shared)).ToArray();
        var nfs = cores.Select(_ => new MaglevNf()).ToArray();
        var outputs = cores.Select((h, c) => h.Capture(nfs[c].Build(h.Input, h.NfContext("lb", Config(Dsr(4), "lb"))))).ToArray();
        Assert.That(nfs[0].Control, Is.SameAs(nfs[1].Control));
        var flows = Flows(400);
        cores[0].Push(flows[..200]);
        cores[1].Push(flows[200..]);
        cores[1].Push(flows[..200]);
        cores[0].Push(flows[200..]);
        for (int i = 0; i < 3; i++) foreach (var h in cores) h.Poll();
        var all = outputs.SelectMany(o => o.Packets).ToList();
        Assert.That(all, Has.Count.EqualTo(800));
        foreach (var flow in all.GroupBy(FlowId))
        {
            Assert.That(flow.Select(p => p.Core).Distinct().Count(), Is.EqualTo(1));
            Assert.That(flow.Select(p => p.Bytes[5]).Distinct().Count(), Is.EqualTo(1));
        }
        Assert.That(cores[0].InUseDelta, Is.Zero);
    }

    [TestCase("""{ "backends": { "a": { "mac": "02:00:00:00:00:01" } }, "tableSize": 65536 }""", "$.nfs.lb.config.tableSize")]
    [TestCase("""{ "backends": { "a": { "mac": "02:00:00:00:00:01" } }, "mode": "tunnel" }""", "$.nfs.lb.config.mode")]
    [TestCase("""{ "backends": { "a": { "mac": "02:00:00:00:00:01" } }, "mode": "nat" }""", "$.nfs.lb.config.backends.a.ip")]
    [TestCase("""{ "backends": { "a": { "mac": "zz" } } }""", "$.nfs.lb.config.backends.a.mac")]
    [TestCase("""{ "backends": { "a": { "mac": "02:00:00:00:00:01", "weight": -1 } } }""", "$.nfs.lb.config.backends.a.weight")]
    [TestCase("""{ "backends": {} }""", "$.nfs.lb.config.backends")]
    [TestCase("""{ }""", "$.nfs.lb.config.backends")]
    public void ConfigErrors_NameTheJsonPath(string json, string path)
    {
        var h = new GraphHarness();
        var e = Assert.Throws<ConfigException>(() => new MaglevNf().Build(h.Input, h.NfContext("lb", Config(json, "lb"))));
        Assert.That(e!.JsonPath, Is.EqualTo(path), e.Message);
    }
}
