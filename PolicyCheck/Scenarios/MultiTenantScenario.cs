using System.Globalization;
using System.Text;

namespace Switchboard.PolicyCheck.Scenarios;

/// <summary>The misconfiguration classes of the multi-tenant datacenter (thesis 4.6, tenants with security groups).</summary>
public enum TenantMisconfiguration
{
    /// <summary>A security group rule in one tenant's firewall that admits a group of another tenant.</summary>
    SecurityGroupLeak,
    /// <summary>A tenant's inbound route skips its firewall: every other tenant and the internet reach all its groups.</summary>
    FirewallBypass,
}

/// <summary>
/// A multi-tenant datacenter (thesis 4.6): every tenant has hosts in two security groups (web and db) behind its own
/// top-of-rack router, and a per-tenant rule-list firewall (acl-firewall) that every packet into the tenant from the
/// core passes. The firewall's security group rules admit the internet to web and the tenant's web to its db; all
/// else is dropped. Invariants: isolation of every group from every group of every other tenant, isolation of each
/// db from the internet, and traversal of the tenant's firewall by internet traffic to its web group.
/// Misconfigurations are planted at random (seeded) and the generator records exactly the invariants they break.
/// </summary>
public static class MultiTenantScenario
{
    private static readonly string[] Groups = ["web", "db"];

    public static Scenario Generate(int tenants, int hostsPerGroup, int seed, IReadOnlyCollection<TenantMisconfiguration>? plant = null)
    {
        if (tenants < 2) throw new ArgumentOutOfRangeException(nameof(tenants), "at least 2 tenants (so isolation means something)");
        if (tenants > 250) throw new ArgumentOutOfRangeException(nameof(tenants));
        if (hostsPerGroup is < 1 or > 250) throw new ArgumentOutOfRangeException(nameof(hostsPerGroup));
        var rng = new Random(seed);
        plant ??= [];
        string T(int i) => "t" + i.ToString(CultureInfo.InvariantCulture);
        string G(int i, string g) => T(i) + g;
        string Iso(string from, string to) => $"iso:{from}->{to}";
        string Trav(int i) => $"traversal:internet->{G(i, "web")}";

        var rules = Enumerable.Range(0, tenants).Select(i => new List<(string, string)> { ("internet", G(i, "web")), (G(i, "web"), G(i, "db")) }).ToList();
        var violated = new HashSet<string>(StringComparer.Ordinal);
        int leakTarget = -1;
        if (plant.Contains(TenantMisconfiguration.SecurityGroupLeak))
        {
            int to = leakTarget = rng.Next(tenants), from = (to + 1 + rng.Next(tenants - 1)) % tenants;
            string fromGroup = Groups[rng.Next(Groups.Length)], toGroup = Groups[rng.Next(Groups.Length)];
            rules[to].Add((G(from, fromGroup), G(to, toGroup)));
            violated.Add(Iso(G(from, fromGroup), G(to, toGroup)));
        }
        int bypassed = -1;
        if (plant.Contains(TenantMisconfiguration.FirewallBypass))
        {
            // another tenant than the leak's, so that each planted class shows up on its own
            bypassed = leakTarget < 0 ? rng.Next(tenants) : (leakTarget + 1 + rng.Next(tenants - 1)) % tenants;
            foreach (var g in Groups)
                for (int a = 0; a < tenants; a++)
                    if (a != bypassed)
                        foreach (var h in Groups) violated.Add(Iso(G(a, h), G(bypassed, g)));
            violated.Add(Iso("internet", G(bypassed, "db")));
            violated.Add(Trav(bypassed));
        }

        var sb = new StringBuilder();
        sb.Append("{\n  \"policyGroups\": {\n    \"internet\": { \"prefixes\": [\"192.0.2.0/24\"] },\n");
        sb.Append(string.Join(",\n", Enumerable.Range(0, tenants).SelectMany(i => Groups.Select((g, k) =>
            $"    \"{G(i, g)}\": {{ \"prefixes\": [\"10.{i}.{k + 1}.0/24\"], \"description\": \"tenant {T(i)}, security group {g}\" }}"))));
        sb.Append("\n  },\n  \"hosts\": [\n    { \"name\": \"ext{1..2}\", \"group\": \"internet\" },\n");
        sb.Append(string.Join(",\n", Enumerable.Range(0, tenants).SelectMany(i => Groups.Select(g =>
            $"    {{ \"name\": \"{G(i, g)}h{{1..{hostsPerGroup}}}\", \"group\": \"{G(i, g)}\" }}"))));
        sb.Append("\n  ],\n  \"nfs\": [\n");
        sb.Append(string.Join(",\n", Enumerable.Range(0, tenants).Select(i =>
            $"    {{ \"name\": \"fw{i}\", \"model\": \"acl-firewall\", \"config\": {{ \"allow\": [{string.Join(", ", rules[i].Select(p => $"[\"{p.Item1}\", \"{p.Item2}\"]"))}] }} }}")));
        sb.Append("\n  ],\n  \"routers\": [\"tor{0..").Append(tenants - 1).Append("}\", \"core\", \"border\"],\n  \"routing\": {\n");
        for (int i = 0; i < tenants; i++)
        {
            foreach (var g in Groups) sb.Append($"    \"{G(i, g)}h{{1..{hostsPerGroup}}}\": [ {{ \"dst\": \"*\", \"nextHop\": \"tor{i}\" }} ],\n");
            sb.Append($"    \"tor{i}\": [ ");
            foreach (var g in Groups)
                for (int j = 1; j <= hostsPerGroup; j++) sb.Append($"{{ \"dst\": \"{G(i, g)}h{j}\", \"nextHop\": \"{G(i, g)}h{j}\" }}, ");
            sb.Append("{ \"dst\": \"*\", \"nextHop\": \"core\" } ],\n");
        }
        sb.Append("    \"fw{0..").Append(tenants - 1).Append("}\": [ ");
        sb.Append(string.Join(", ", Enumerable.Range(0, tenants).SelectMany(i => Groups.Select(g => $"{{ \"dst\": \"{G(i, g)}\", \"nextHop\": \"tor{i}\" }}"))));
        sb.Append(" ],\n    \"core\": [ ");
        sb.Append(string.Join(", ", Enumerable.Range(0, tenants).SelectMany(i => Groups.Select(g =>
            $"{{ \"dst\": \"{G(i, g)}\", \"nextHop\": \"{(i == bypassed ? $"tor{i}" : $"fw{i}")}\" }}"))));
        sb.Append(", { \"dst\": \"internet\", \"nextHop\": \"border\" } ],\n");
        sb.Append("    \"ext{1..2}\": [ { \"dst\": \"*\", \"nextHop\": \"border\" } ],\n");
        sb.Append("    \"border\": [ { \"dst\": \"ext1\", \"nextHop\": \"ext1\" }, { \"dst\": \"ext2\", \"nextHop\": \"ext2\" }, { \"dst\": \"*\", \"nextHop\": \"core\" } ]\n");
        sb.Append("  },\n  \"invariants\": [\n");
        var invariants = new List<string>();
        void Add(string name, string kind, string from, string to, string extra = "") =>
            invariants.Add($"    {{ \"name\": \"{name}\", \"kind\": \"{kind}\", \"from\": \"{from}\", \"to\": \"{to}\"{extra}, \"expect\": \"{(violated.Contains(name) ? "violated" : "holds")}\" }}");
        for (int b = 0; b < tenants; b++)
        {
            for (int a = 0; a < tenants; a++)
                if (a != b)
                    foreach (var h in Groups)
                        foreach (var g in Groups) Add(Iso(G(a, h), G(b, g)), "isolation", G(a, h), G(b, g));
            Add(Iso("internet", G(b, "db")), "isolation", "internet", G(b, "db"));
            Add(Trav(b), "traversal", "internet", G(b, "web"), $", \"through\": [\"fw{b}\"]");
        }
        sb.Append(string.Join(",\n", invariants));
        sb.Append("\n  ],\n  \"options\": { \"timeoutMs\": 20000, \"solver\": \"z3\" }\n}\n");
        var name = $"multitenant-{tenants}x{hostsPerGroup}{(plant.Count == 0 ? "" : "-" + string.Join("-", plant.Select(p => p.ToString().ToLowerInvariant())))}";
        return new Scenario(name, sb.ToString(), violated, tenants * Groups.Length * hostsPerGroup + 2, tenants * Groups.Length + 1);
    }
}
