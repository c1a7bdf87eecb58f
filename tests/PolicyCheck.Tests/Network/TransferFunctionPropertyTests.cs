using System.Text;
using Switchboard.PolicyCheck.Network;

namespace Switchboard.PolicyCheck.Tests.Network;

/// <summary>The symbolic transfer function against a plain simulation of the routing rules, scenario by scenario,
/// on random small networks: same next hops, and a loop reported exactly when the simulation finds one.</summary>
public class TransferFunctionPropertyTests
{
    private static readonly string[] Hosts = ["h1", "h2", "h3"], Functions = ["f1", "f2"], Routers = ["r1", "r2", "r3"];
    private static readonly string[] All = [.. Hosts, .. Functions, .. Routers];

    [Test]
    public void SymbolicHopsAgreeWithSimulationOnRandomNetworks()
    {
        var random = new Random(20260101);
        int loopy = 0, checkedHops = 0;
        for (int n = 0; n < 100; n++)
        {
            var json = RandomNetwork(random);
            var result = NetworkLoader.Parse(json, $"random{n}.json");
            var errors = result.Errors.Where(e => !e.Message.StartsWith("forwarding loop", StringComparison.Ordinal)).ToList();
            Assert.That(errors, Is.Empty, json + "\n" + string.Join("\n", errors));
            // The loader withholds a looping network; load it without the loop check to simulate it.
            var net = result.Network ?? Rebuild(json);
            bool simulatedLoop = false;
            foreach (var failed in FailureScenarios.Enumerate(net.Failures))
            foreach (var from in net.Endpoints)
            foreach (var c in net.Transfer.Classes)
            {
                var simulated = Simulate(net, from.Name, c.Addresses[0], failed, out bool loop);
                simulatedLoop |= loop || (from.Kind == NodeKind.Function && FunctionLoop(net, from.Name, c.Addresses[0], failed));
                if (loop) continue;
                var symbolic = net.Transfer.Hops(from.Name, c).Where(h => h.When.Holds(failed)).ToList();
                Assert.That(symbolic, Has.Count.EqualTo(1), $"{json}\nexactly one hop must hold for {from.Name} -> {c} with [{string.Join(",", failed)}] down");
                Assert.That(symbolic[0].Next, Is.EqualTo(simulated), $"{json}\n{from.Name} -> {c} with [{string.Join(",", failed)}] down");
                checkedHops++;
            }
            Assert.That(result.Ok, Is.EqualTo(!simulatedLoop), json + "\n" + result.FormatErrors());
            if (simulatedLoop) loopy++;
        }
        Assert.That(loopy, Is.InRange(5, 95), "the generator makes both looping and loop-free networks");
        Assert.That(checkedHops, Is.GreaterThan(300));
    }

    private static NetworkDescription Rebuild(string json)
    {
        var result = NetworkLoader.Parse(json, "x", reportLoops: false);
        Assert.That(result.Errors, Is.Empty, result.FormatErrors());
        return result.Network!;
    }

    // Walk the rules concretely; routers forward, endpoints end the walk.
    private static string? Simulate(NetworkDescription net, string from, Ipv4Address dst, IReadOnlySet<string> failed, out bool loop)
    {
        loop = false;
        var seen = new HashSet<string>();
        var node = from;
        while (true)
        {
            var rule = (net.Routing.GetValueOrDefault(node) ?? []).FirstOrDefault(r =>
                r.Destinations.Contains(dst) && r.WhenDown.All(failed.Contains) && !r.WhenUp.Any(failed.Contains) && !failed.Contains(r.NextHop));
            if (rule is null) return null;
            if (net.Node(rule.NextHop).IsEndpoint) return rule.NextHop;
            if (!seen.Add(rule.NextHop))
            {
                loop = true;
                return null;
            }
            node = rule.NextHop;
        }
    }

    private static bool FunctionLoop(NetworkDescription net, string start, Ipv4Address dst, IReadOnlySet<string> failed)
    {
        var seen = new HashSet<string> { start };
        var node = start;
        while (true)
        {
            var next = Simulate(net, node, dst, failed, out bool loop);
            if (loop || next is null || net.Node(next).Kind != NodeKind.Function) return false;
            if (!seen.Add(next)) return true;
            node = next;
        }
    }

    private static string RandomNetwork(Random random)
    {
        var failable = All.Where(_ => random.Next(3) == 0).ToList();
        int max = failable.Count == 0 ? 0 : random.Next(0, Math.Min(2, failable.Count) + 1);
        var sb = new StringBuilder();
        sb.Append("""{ "policyGroups": { "g": { "prefixes": ["10.0.0.0/24"] } }, "hosts": [""");
        sb.Append(string.Join(", ", Hosts.Select(h => $$"""{ "name": "{{h}}", "group": "g" }""")));
        sb.Append("""], "nfs": [""").Append(string.Join(", ", Functions.Select(f => $$"""{ "name": "{{f}}", "model": "forwarder" }""")));
        sb.Append("""], "routers": [""").Append(string.Join(", ", Routers.Select(r => $"\"{r}\""))).Append("""], "routing": {""");
        var entries = new List<string>();
        foreach (var node in All)
        {
            if (Hosts.Contains(node) && random.Next(2) == 0) continue;
            var rules = new List<string>();
            for (int i = random.Next(1, 4); i > 0; i--)
            {
                var dst = random.Next(3) == 0 ? "*" : Hosts[random.Next(Hosts.Length)];
                var next = All.Where(x => x != node).ElementAt(random.Next(All.Length - 1));
                var guard = failable.Count > 0 && random.Next(3) == 0
                    ? ", \"whenDown\": [\"" + failable[random.Next(failable.Count)] + "\"]" : "";
                rules.Add($$"""{ "dst": "{{dst}}", "nextHop": "{{next}}"{{guard}} }""");
            }
            entries.Add($"\"{node}\": [{string.Join(", ", rules)}]");
        }
        sb.Append(string.Join(", ", entries)).Append("}, ");
        sb.Append("\"failures\": { \"nodes\": [" + string.Join(", ", failable.Select(f => $"\"{f}\"")) + "], \"maxFailures\": " + max + " } }");
        return sb.ToString();
    }
}
