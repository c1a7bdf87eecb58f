using System.Text;
using Switchboard.PolicyCheck.Smt;
using Switchboard.PolicyCheck.Verification;
using static Switchboard.PolicyCheck.Tests.Verification.Nets;

namespace Switchboard.PolicyCheck.Tests.Verification;

/// <summary>Slices (4.3.2, 4.5.6): what they contain, and that verifying on them agrees with the whole network.</summary>
public class SlicingTests
{
    /// <summary>Hosts h0..h5 in groups, two routers, NFs of random models between them, a random failable NF with a
    /// backup route, and random invariants; everything from <paramref name="seed"/>.</summary>
    internal static string RandomNetwork(int seed)
    {
        var rng = new Random(seed);
        int groups = rng.Next(2, 4), hosts = rng.Next(4, 6), nfs = rng.Next(2, 4);
        string G(int i) => "g" + i;
        var hostGroup = Enumerable.Range(0, hosts).Select(i => i < groups ? i : rng.Next(groups)).ToArray();
        string Pair() => $"[\"{G(rng.Next(groups))}\", \"{G(rng.Next(groups))}\"]";
        string Pairs() => string.Join(", ", Enumerable.Range(0, rng.Next(1, 3)).Select(_ => Pair()));
        var models = new List<string>();
        for (int k = 0; k < nfs; k++)
        {
            models.Add(rng.Next(5) switch
            {
                0 => $$"""{ "name": "nf{{k}}", "model": "LearningFirewall", "config": { "acl": [{{Pairs()}}] } }""",
                1 => $$"""{ "name": "nf{{k}}", "model": "Firewall", "config": { "acls": { "allow": [{{Pairs()}}] } } }""",
                2 => $$"""{ "name": "nf{{k}}", "model": "acl-firewall", "config": { "deny": [{{Pairs()}}] } }""",
                3 => $$"""{ "name": "nf{{k}}", "model": "IPS" }""",
                _ => $$"""{ "name": "nf{{k}}", "model": "forwarder" }""",
            });
        }
        int failable = rng.Next(nfs + 1) - 1; // -1: none
        var core = new List<string>();
        for (int g = 0; g < groups; g++)
        {
            int via = rng.Next(nfs + 1) - 1;
            core.Add(via < 0 ? $$"""{ "dst": "{{G(g)}}", "nextHop": "edge" }""" : $$"""{ "dst": "{{G(g)}}", "nextHop": "nf{{via}}" }""");
            if (via >= 0 && via == failable)
            {
                int backup = (via + 1 + rng.Next(nfs)) % (nfs + 1);
                core.Add($$"""{ "dst": "{{G(g)}}", "nextHop": "{{(backup == nfs ? "edge" : "nf" + backup)}}", "whenDown": ["nf{{via}}"] }""");
            }
        }
        var invariants = new List<string>();
        string[] kinds = ["isolation", "flow-isolation", "traversal"];
        for (int i = 0; i < 2; i++)
        {
            var kind = kinds[rng.Next(kinds.Length)];
            int to = rng.Next(hosts);
            int from = (to + 1 + rng.Next(hosts - 1)) % hosts;
            var fromName = rng.Next(3) == 0 ? G(hostGroup[from]) : "h" + from;
            var through = kind == "traversal" ? $", \"through\": [\"nf{rng.Next(nfs)}\"]" : "";
            invariants.Add($$"""{ "name": "i{{i}}", "kind": "{{kind}}", "from": "{{fromName}}", "to": "h{{to}}"{{through}} }""");
        }
        var sb = new StringBuilder();
        sb.Append("{ \"policyGroups\": {").Append(string.Join(", ", Enumerable.Range(0, groups).Select(g => $"\"{G(g)}\": {{ \"prefixes\": [\"10.0.{g + 1}.0/24\"] }}"))).Append("},\n");
        sb.Append("\"hosts\": [").Append(string.Join(", ", Enumerable.Range(0, hosts).Select(h => $"{{ \"name\": \"h{h}\", \"group\": \"{G(hostGroup[h])}\" }}"))).Append("],\n");
        sb.Append("\"nfs\": [").Append(string.Join(",\n", models)).Append("],\n");
        sb.Append("\"routers\": [\"core\", \"edge\"],\n\"routing\": {\n");
        sb.Append($"\"h{{0..{hosts - 1}}}\": [ {{ \"dst\": \"*\", \"nextHop\": \"core\" }} ],\n");
        sb.Append("\"core\": [").Append(string.Join(", ", core)).Append("],\n");
        sb.Append($"\"nf{{0..{nfs - 1}}}\": [ {{ \"dst\": \"*\", \"nextHop\": \"edge\" }} ],\n");
        sb.Append("\"edge\": [").Append(string.Join(", ", Enumerable.Range(0, hosts).Select(h => $"{{ \"dst\": \"h{h}\", \"nextHop\": \"h{h}\" }}"))).Append("] },\n");
        if (failable >= 0) sb.Append($"\"failures\": {{ \"nodes\": [\"nf{failable}\"], \"maxFailures\": 1 }},\n");
        sb.Append("\"invariants\": [").Append(string.Join(",\n", invariants)).Append("] }");
        return sb.ToString();
    }

    [Test]
    public async Task SlicedAndWholeNetworkVerificationAgreeOnRandomNetworks()
    {
        var verifier = new NetworkVerifier(new Z3Solver()) { Parallelism = 2 };
        // The whole network is the slow side; it gets a short limit, and an undecided comparison is counted, not failed.
        var wholeOptions = new SolverOptions { Timeout = TimeSpan.FromSeconds(3) };
        int smaller = 0, compared = 0;
        for (int seed = 1; seed <= 20; seed++)
        {
            var json = RandomNetwork(seed);
            var net = Load(json);
            var sliced = await verifier.VerifyAllAsync(net, options: Options, slicing: true, symmetry: false);
            var whole = await verifier.VerifyAllAsync(net, options: wholeOptions, slicing: false, symmetry: false);
            for (int i = 0; i < sliced.Count; i++)
            {
                Assert.That(sliced[i].Verdict, Is.Not.EqualTo(Verdict.Unknown), $"seed {seed}: {sliced[i]}\n{json}");
                if (whole[i].Verdict == Verdict.Unknown) continue;
                compared++;
                Assert.That(sliced[i].Verdict, Is.EqualTo(whole[i].Verdict), $"seed {seed}, {sliced[i].Invariant.Name}: sliced {sliced[i]}\nwhole {whole[i]}\n{json}");
                if (sliced[i].Slice.Count < whole[i].Slice.Count) smaller++;
            }
        }
        Assert.That(smaller, Is.GreaterThan(10), "slices are usually smaller than the network");
        Assert.That(compared, Is.GreaterThanOrEqualTo(34), "the whole network decides almost every one of the 40 invariants in time");
    }

    [Test]
    public void SliceHoldsTheEndpointsAndTheNfsOnTheirPathsOnly()
    {
        var net = Load(RandomNetwork(3));
        var slicer = new Slicer(net);
        foreach (var inv in net.Invariants)
        {
            var slice = slicer.Compute(inv);
            TestContext.Out.WriteLine($"{inv.Name} {inv.From}->{inv.To}: {string.Join(" ", slice.Nodes)} ({slice.Reason})");
            Assert.That(slice.Nodes, Does.Contain(inv.To));
        }
    }

    [Test]
    public void NonFlowParallelModelsBringOneHostPerPolicyClass()
    {
        var flowParallel = Line("LearningFirewall", """{ "acl": [["a", "b"]] }""", Inv("x", "isolation", "h1", "h2"));
        var s1 = new Slicer(flowParallel).Compute(flowParallel.Invariants[0]);
        Assert.That(s1.Nodes, Is.EqualTo(new[] { "h1", "h2", "nf" }), s1.Reason);
        Assert.That(s1.Representatives, Is.Empty);

        var cache = Line("Cache", """{ "address": "nf", "acls": [["a", "h2"]] }""", Inv("x", "data-isolation", "h2", "h1"));
        var s2 = new Slicer(cache).Compute(cache.Invariants[0]);
        Assert.That(s2.Nodes, Is.EqualTo(new[] { "h1", "h2", "h3", "nf" }), s2.Reason);
        Assert.That(s2.Reason, Does.Contain("not flow-parallel"));
    }

    [Test]
    public void LoadBalancerBackendsJoinTheSlice()
    {
        var net = Line("LoadBalancer", """{ "backends": ["h3"] }""", Inv("x", "isolation", "h1", "h2"));
        var slice = new Slicer(net).Compute(net.Invariants[0]);
        Assert.That(slice.Nodes, Is.EqualTo(new[] { "h1", "h2", "h3", "nf" }), "the LB may rewrite a packet towards h3");
    }
}
