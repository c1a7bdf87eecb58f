using System.Globalization;
using System.Text;

namespace Switchboard.PolicyCheck.Scenarios;

/// <summary>The three misconfiguration classes of the thesis' datacenter evaluation (4.6.1).</summary>
public enum Misconfiguration
{
    /// <summary>Deny rules deleted from both redundant firewalls: isolation between those groups is violated.</summary>
    FirewallRules,
    /// <summary>Deny rules deleted from the backup firewall only: violated only when the primary fails.</summary>
    RedundantFirewalls,
    /// <summary>The backup route around the failed primary IDPS skips the IDPS for some groups: traversal violated.</summary>
    RedundantRouting,
}

/// <summary>A generated network (JSON in the Network/README.md format) and the names of exactly the invariants its
/// planted misconfigurations violate.</summary>
public sealed record Scenario(string Name, string Json, IReadOnlySet<string> Violated, int Hosts, int Groups);

/// <summary>
/// The datacenter of thesis figure 4.1: hosts in policy groups behind top-of-rack routers, redundant stateful
/// firewalls (primary fw1, backup fw2 when fw1 is down), redundant IDPSs (ids1, backup ids2) and a load balancer in
/// front of group g0's servers (VIP 10.0.0.10). Policy: group i may talk to group i+1 (mod n) and within itself; the
/// firewalls deny every other pair. Invariants: isolation for every denied pair (under failures, and a steady-state
/// twin), and traversal through the IDPSs for every allowed pair. Misconfigurations are planted at random (seeded)
/// and the generator records exactly which invariants they break.
/// </summary>
public static class DatacenterScenario
{
    public static Scenario Generate(int groups, int hostsPerGroup, int seed, IReadOnlyCollection<Misconfiguration>? plant = null, int perClass = 1)
    {
        if (groups < 3) throw new ArgumentOutOfRangeException(nameof(groups), "at least 3 groups (so some pairs are denied)");
        if (hostsPerGroup is < 1 or > 250) throw new ArgumentOutOfRangeException(nameof(hostsPerGroup));
        var rng = new Random(seed);
        plant ??= [];
        string G(int i) => "g" + i.ToString(CultureInfo.InvariantCulture);
        bool Allowed(int a, int b) => a == b || b == (a + 1) % groups;
        var denied = new List<(int, int)>();
        for (int a = 0; a < groups; a++)
            for (int b = 0; b < groups; b++)
                if (!Allowed(a, b)) denied.Add((a, b));

        var violated = new HashSet<string>(StringComparer.Ordinal);
        string Iso(int a, int b, bool steady) => $"iso{(steady ? "-steady" : "")}:{G(a)}->{G(b)}";
        string Trav(int a, int b) => $"traversal:{G(a)}->{G(b)}";

        var fw1 = denied.ToHashSet();
        var fw2 = denied.ToHashSet();
        if (plant.Contains(Misconfiguration.FirewallRules))
            foreach (var pair in Pick(denied, perClass, rng))
            {
                fw1.Remove(pair);
                fw2.Remove(pair);
                violated.Add(Iso(pair.Item1, pair.Item2, false));
                violated.Add(Iso(pair.Item1, pair.Item2, true));
            }
        if (plant.Contains(Misconfiguration.RedundantFirewalls))
            foreach (var pair in Pick(denied.Where(fw1.Contains).ToList(), perClass, rng))
            {
                fw2.Remove(pair);
                violated.Add(Iso(pair.Item1, pair.Item2, false));
            }
        var bypass = new HashSet<int>();
        if (plant.Contains(Misconfiguration.RedundantRouting))
            foreach (var g in Pick(Enumerable.Range(0, groups).ToList(), perClass, rng))
            {
                bypass.Add(g);
                violated.Add(Trav((g + groups - 1) % groups, g));
            }

        var sb = new StringBuilder();
        sb.Append("{\n  \"policyGroups\": {\n    \"vip\": { \"prefixes\": [\"10.0.0.0/24\"] },\n");
        sb.Append(string.Join(",\n", Enumerable.Range(0, groups).Select(i => $"    \"{G(i)}\": {{ \"prefixes\": [\"10.1.{i}.0/24\"] }}")));
        sb.Append("\n  },\n  \"hosts\": [\n");
        sb.Append(string.Join(",\n", Enumerable.Range(0, groups).Select(i => $"    {{ \"name\": \"{G(i)}h{{1..{hostsPerGroup}}}\", \"group\": \"{G(i)}\" }}")));
        sb.Append("\n  ],\n  \"nfs\": [\n");
        sb.Append($"    {{ \"name\": \"fw1\", \"model\": \"acl-firewall\", \"config\": {{ \"deny\": [{Pairs(fw1)}] }} }},\n");
        sb.Append($"    {{ \"name\": \"fw2\", \"model\": \"acl-firewall\", \"config\": {{ \"deny\": [{Pairs(fw2)}] }} }},\n");
        sb.Append("    { \"name\": \"ids{1..2}\", \"model\": \"IPS\" },\n");
        sb.Append($"    {{ \"name\": \"lb1\", \"model\": \"LoadBalancer\", \"config\": {{ \"backends\": [{string.Join(", ", Enumerable.Range(1, Math.Min(2, hostsPerGroup)).Select(j => $"\"g0h{j}\""))}] }}, \"addresses\": [\"10.0.0.10\"] }}\n");
        sb.Append("  ],\n  \"routers\": [\"tor{0..").Append(groups - 1).Append("}\", \"agg\", \"core\", \"dist\"],\n  \"routing\": {\n");
        for (int i = 0; i < groups; i++)
        {
            sb.Append($"    \"{G(i)}h{{1..{hostsPerGroup}}}\": [ {{ \"dst\": \"*\", \"nextHop\": \"tor{i}\" }} ],\n");
            sb.Append($"    \"tor{i}\": [ ");
            for (int j = 1; j <= hostsPerGroup; j++) sb.Append($"{{ \"dst\": \"{G(i)}h{j}\", \"nextHop\": \"{G(i)}h{j}\" }}, ");
            sb.Append("{ \"dst\": \"*\", \"nextHop\": \"agg\" } ],\n");
        }
        sb.Append("    \"agg\": [ { \"dst\": \"*\", \"nextHop\": \"fw1\" }, { \"dst\": \"*\", \"nextHop\": \"fw2\", \"whenDown\": [\"fw1\"] } ],\n");
        sb.Append("    \"fw{1..2}\": [ { \"dst\": \"*\", \"nextHop\": \"core\" } ],\n");
        sb.Append("    \"core\": [ { \"dst\": \"vip\", \"nextHop\": \"lb1\" }, { \"dst\": \"*\", \"nextHop\": \"ids1\" }");
        foreach (var g in bypass.Order()) sb.Append($", {{ \"dst\": \"{G(g)}\", \"nextHop\": \"dist\", \"whenDown\": [\"ids1\"] }}");
        sb.Append(", { \"dst\": \"*\", \"nextHop\": \"ids2\", \"whenDown\": [\"ids1\"] } ],\n");
        sb.Append("    \"ids{1..2}\": [ { \"dst\": \"*\", \"nextHop\": \"dist\" } ],\n");
        sb.Append("    \"lb1\": [ { \"dst\": \"*\", \"nextHop\": \"dist\" } ],\n");
        sb.Append("    \"dist\": [ ").Append(string.Join(", ", Enumerable.Range(0, groups).Select(i => $"{{ \"dst\": \"{G(i)}\", \"nextHop\": \"tor{i}\" }}"))).Append(" ]\n");
        sb.Append("  },\n  \"failures\": { \"nodes\": [\"fw1\", \"ids1\"], \"maxFailures\": 1 },\n  \"invariants\": [\n");
        var invariants = new List<string>();
        foreach (var (a, b) in denied)
        {
            invariants.Add(Invariant(Iso(a, b, false), "isolation", G(a), G(b), "", violated.Contains(Iso(a, b, false)), true));
            invariants.Add(Invariant(Iso(a, b, true), "isolation", G(a), G(b), "", violated.Contains(Iso(a, b, true)), false));
        }
        for (int a = 0; a < groups; a++)
        {
            int b = (a + 1) % groups;
            invariants.Add(Invariant(Trav(a, b), "traversal", G(a), G(b), ", \"through\": [\"ids1\", \"ids2\"]", violated.Contains(Trav(a, b)), true));
        }
        sb.Append(string.Join(",\n", invariants));
        sb.Append("\n  ],\n  \"options\": { \"timeoutMs\": 20000, \"seed\": 0, \"reseeds\": 1, \"solver\": \"z3\" }\n}\n");
        var name = $"datacenter-{groups}x{hostsPerGroup}{(plant.Count == 0 ? "" : "-" + string.Join("-", plant.Select(p => p.ToString().ToLowerInvariant())))}";
        return new Scenario(name, sb.ToString(), violated, groups * hostsPerGroup, groups);

        // Long lists ten pairs a line: a 100-group datacenter denies ~10 000 pairs, and one line that long makes every
        // position lookup of the JSON source map (line:column for error messages) scan it from its start.
        string Pairs(HashSet<(int, int)> set)
        {
            var pairs = denied.Where(set.Contains).Select(p => $"[\"{G(p.Item1)}\", \"{G(p.Item2)}\"]").ToList();
            return pairs.Count <= 100 ? string.Join(", ", pairs) : string.Join(",", pairs.Select((p, i) => (i % 10 == 0 ? "\n        " : " ") + p));
        }
    }

    private static string Invariant(string name, string kind, string from, string to, string extra, bool violated, bool underFailures) =>
        $"    {{ \"name\": \"{name}\", \"kind\": \"{kind}\", \"from\": \"{from}\", \"to\": \"{to}\"{extra}, \"expect\": \"{(violated ? "violated" : "holds")}\"{(underFailures ? "" : ", \"underFailures\": false")} }}";

    private static List<T> Pick<T>(IReadOnlyList<T> items, int count, Random rng) =>
        items.OrderBy(_ => rng.Next()).Take(Math.Min(count, items.Count)).ToList();
}
