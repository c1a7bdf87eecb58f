using System.Globalization;
using System.Text;

namespace Switchboard.PolicyCheck.Scenarios;

/// <summary>
/// An ISP (thesis 4.6): peers attach at peering points; each peering point's router sends traffic towards the ISP
/// through an IDS and then a scrubber (both IPS models) before the core delivers it to the customers. Invariants: per
/// peer and customer group, traversal of that peering point's IDS and of its scrubber (one invariant each), and — with
/// <c>orderInvariants</c>, or whenever a wrong order is planted — the pipeline "IDS, then scrubber" (4.4.1's pipeline
/// invariants: the traversals alone do not check the order). Misconfigurations planted at random (seeded), on distinct
/// peering points: an IDS that forwards straight to the core, bypassing its scrubber; a peering point whose routing
/// sends traffic through the scrubber before the IDS. The generator records exactly the invariants they break.
/// </summary>
public static class IspScenario
{
    public static Scenario Generate(int peeringPoints, int customers, int hostsPerCustomer, int seed, int bypassedScrubbers = 0,
        int wrongOrder = 0, bool orderInvariants = false)
    {
        if (peeringPoints is < 1 or > 250) throw new ArgumentOutOfRangeException(nameof(peeringPoints));
        if (customers is < 1 or > 250) throw new ArgumentOutOfRangeException(nameof(customers));
        if (hostsPerCustomer is < 1 or > 250) throw new ArgumentOutOfRangeException(nameof(hostsPerCustomer));
        if (bypassedScrubbers < 0 || bypassedScrubbers > peeringPoints) throw new ArgumentOutOfRangeException(nameof(bypassedScrubbers));
        if (wrongOrder < 0 || bypassedScrubbers + wrongOrder > peeringPoints)
            throw new ArgumentOutOfRangeException(nameof(wrongOrder), "wrong-order and bypassed peering points are distinct: at most peeringPoints together");
        orderInvariants |= wrongOrder > 0;
        var rng = new Random(seed);
        string P(int i) => "peer" + i.ToString(CultureInfo.InvariantCulture);
        string C(int i) => "cust" + i.ToString(CultureInfo.InvariantCulture);
        string Trav(int p, int c, string nf) => $"traversal-{nf}:{P(p)}->{C(c)}";
        string Order(int p, int c) => $"pipeline:{P(p)}->{C(c)}";
        var bypassed = Enumerable.Range(0, peeringPoints).OrderBy(_ => rng.Next()).Take(bypassedScrubbers).ToHashSet();
        var reordered = wrongOrder == 0 ? new HashSet<int>() : Enumerable.Range(0, peeringPoints).Where(p => !bypassed.Contains(p)).OrderBy(_ => rng.Next()).Take(wrongOrder).ToHashSet();
        var violated = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in bypassed)
            for (int c = 0; c < customers; c++)
            {
                violated.Add(Trav(p, c, "scrubber"));
                if (orderInvariants) violated.Add(Order(p, c));
            }
        foreach (var p in reordered)
            for (int c = 0; c < customers; c++) violated.Add(Order(p, c));

        var sb = new StringBuilder();
        sb.Append("{\n  \"policyGroups\": {\n");
        var groups = Enumerable.Range(0, peeringPoints).Select(i => $"    \"{P(i)}\": {{ \"prefixes\": [\"198.51.{i}.0/24\"] }}")
            .Concat(Enumerable.Range(0, customers).Select(i => $"    \"{C(i)}\": {{ \"prefixes\": [\"10.{i}.0.0/24\"] }}"));
        sb.Append(string.Join(",\n", groups));
        sb.Append("\n  },\n  \"hosts\": [\n");
        var hosts = Enumerable.Range(0, peeringPoints).Select(i => $"    {{ \"name\": \"{P(i)}h{{1..2}}\", \"group\": \"{P(i)}\" }}")
            .Concat(Enumerable.Range(0, customers).Select(i => $"    {{ \"name\": \"{C(i)}h{{1..{hostsPerCustomer}}}\", \"group\": \"{C(i)}\" }}"));
        sb.Append(string.Join(",\n", hosts));
        sb.Append("\n  ],\n  \"nfs\": [\n");
        sb.Append($"    {{ \"name\": \"ids{{0..{peeringPoints - 1}}}\", \"model\": \"IPS\" }},\n");
        sb.Append($"    {{ \"name\": \"scrub{{0..{peeringPoints - 1}}}\", \"model\": \"IPS\" }}\n");
        sb.Append($"  ],\n  \"routers\": [\"pe{{0..{peeringPoints - 1}}}\", \"core\"],\n  \"routing\": {{\n");
        for (int i = 0; i < peeringPoints; i++)
        {
            sb.Append($"    \"{P(i)}h{{1..2}}\": [ {{ \"dst\": \"*\", \"nextHop\": \"pe{i}\" }} ],\n");
            var first = reordered.Contains(i) ? $"scrub{i}" : $"ids{i}";
            sb.Append($"    \"pe{i}\": [ {{ \"dst\": \"{P(i)}h1\", \"nextHop\": \"{P(i)}h1\" }}, {{ \"dst\": \"{P(i)}h2\", \"nextHop\": \"{P(i)}h2\" }}, {{ \"dst\": \"*\", \"nextHop\": \"{first}\" }} ],\n");
            sb.Append($"    \"ids{i}\": [ {{ \"dst\": \"*\", \"nextHop\": \"{(bypassed.Contains(i) || reordered.Contains(i) ? "core" : $"scrub{i}")}\" }} ],\n");
        }
        if (reordered.Count == 0) sb.Append($"    \"scrub{{0..{peeringPoints - 1}}}\": [ {{ \"dst\": \"*\", \"nextHop\": \"core\" }} ],\n");
        else
            for (int i = 0; i < peeringPoints; i++)
                sb.Append($"    \"scrub{i}\": [ {{ \"dst\": \"*\", \"nextHop\": \"{(reordered.Contains(i) ? $"ids{i}" : "core")}\" }} ],\n");
        for (int c = 0; c < customers; c++)
            sb.Append($"    \"{C(c)}h{{1..{hostsPerCustomer}}}\": [ {{ \"dst\": \"*\", \"nextHop\": \"core\" }} ],\n");
        sb.Append("    \"core\": [ ");
        for (int c = 0; c < customers; c++)
            for (int j = 1; j <= hostsPerCustomer; j++) sb.Append($"{{ \"dst\": \"{C(c)}h{j}\", \"nextHop\": \"{C(c)}h{j}\" }}, ");
        sb.Append(string.Join(", ", Enumerable.Range(0, peeringPoints).Select(i => $"{{ \"dst\": \"{P(i)}\", \"nextHop\": \"pe{i}\" }}")));
        sb.Append(" ]\n  },\n  \"invariants\": [\n");
        var invariants = new List<string>();
        for (int p = 0; p < peeringPoints; p++)
            for (int c = 0; c < customers; c++)
                foreach (var (kind, nf) in new[] { ("ids", $"ids{p}"), ("scrubber", $"scrub{p}") })
                {
                    var name = Trav(p, c, kind);
                    invariants.Add($"    {{ \"name\": \"{name}\", \"kind\": \"traversal\", \"from\": \"{P(p)}\", \"to\": \"{C(c)}\", \"through\": [\"{nf}\"], \"expect\": \"{(violated.Contains(name) ? "violated" : "holds")}\" }}");
                }
        if (orderInvariants)
            for (int p = 0; p < peeringPoints; p++)
                for (int c = 0; c < customers; c++)
                    invariants.Add($"    {{ \"name\": \"{Order(p, c)}\", \"kind\": \"pipeline\", \"from\": \"{P(p)}\", \"to\": \"{C(c)}\", \"stages\": [\"ids{p}\", \"scrub{p}\"], \"expect\": \"{(violated.Contains(Order(p, c)) ? "violated" : "holds")}\" }}");
        sb.Append(string.Join(",\n", invariants));
        sb.Append("\n  ],\n  \"options\": { \"timeoutMs\": 20000, \"solver\": \"z3\" }\n}\n");
        return new Scenario($"isp-{peeringPoints}x{customers}", sb.ToString(), violated, peeringPoints * 2 + customers * hostsPerCustomer, peeringPoints + customers);
    }
}
