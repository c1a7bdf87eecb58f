using System.Globalization;
using System.Text;

namespace Switchboard.PolicyCheck.Scenarios;

/// <summary>
/// The enterprise network of thesis 4.6.3 (figure 4.6): public, private and quarantined subnets (a third each) behind
/// one stateful (learning) firewall towards the internet. Public subnets may open and accept connections, private
/// ones only open them (flow isolation), quarantined ones neither (isolation both ways). Misconfigurations planted at
/// random (seeded): an allow entry that lets the internet open connections to a private subnet, or lets a quarantined
/// subnet out; the generator records exactly the invariants they break.
/// </summary>
public static class EnterpriseScenario
{
    public static Scenario Generate(int subnets, int hostsPerSubnet, int seed, int misconfigurations = 0)
    {
        if (subnets < 3) throw new ArgumentOutOfRangeException(nameof(subnets), "at least one subnet of each kind");
        if (hostsPerSubnet is < 1 or > 250) throw new ArgumentOutOfRangeException(nameof(hostsPerSubnet));
        var rng = new Random(seed);
        string S(int i) => "s" + i.ToString(CultureInfo.InvariantCulture);
        string Kind(int i) => (i % 3) switch { 0 => "public", 1 => "private", _ => "quarantined" };
        var acl = new List<(string, string)>();
        for (int i = 0; i < subnets; i++)
        {
            if (Kind(i) == "quarantined") continue;
            acl.Add((S(i), "internet"));
            if (Kind(i) == "public") acl.Add(("internet", S(i)));
        }
        var violated = new HashSet<string>(StringComparer.Ordinal);
        var candidates = Enumerable.Range(0, subnets).Where(i => Kind(i) != "public").OrderBy(_ => rng.Next()).Take(misconfigurations).ToList();
        foreach (var i in candidates)
        {
            if (Kind(i) == "private")
            {
                acl.Add(("internet", S(i)));
                violated.Add($"private-flow-isolated:{S(i)}");
            }
            else
            {
                acl.Add((S(i), "internet"));
                violated.Add($"quarantine-out:{S(i)}");
                violated.Add($"quarantine-in:{S(i)}"); // the internet's replies now reach it
            }
        }

        var sb = new StringBuilder();
        sb.Append("{\n  \"policyGroups\": {\n    \"internet\": { \"prefixes\": [\"192.0.2.0/24\"] },\n");
        sb.Append(string.Join(",\n", Enumerable.Range(0, subnets).Select(i => $"    \"{S(i)}\": {{ \"prefixes\": [\"10.{i / 250}.{i % 250}.0/24\"], \"description\": \"{Kind(i)}\" }}")));
        sb.Append("\n  },\n  \"hosts\": [\n    { \"name\": \"ext{1..2}\", \"group\": \"internet\" },\n");
        sb.Append(string.Join(",\n", Enumerable.Range(0, subnets).Select(i => $"    {{ \"name\": \"{S(i)}h{{1..{hostsPerSubnet}}}\", \"group\": \"{S(i)}\" }}")));
        sb.Append("\n  ],\n  \"nfs\": [\n    { \"name\": \"fw\", \"model\": \"LearningFirewall\", \"config\": { \"acl\": [");
        sb.Append(string.Join(", ", acl.Select(p => $"[\"{p.Item1}\", \"{p.Item2}\"]")));
        sb.Append("] } }\n  ],\n  \"routers\": [\"inside\", \"border\"],\n  \"routing\": {\n");
        for (int i = 0; i < subnets; i++)
            sb.Append($"    \"{S(i)}h{{1..{hostsPerSubnet}}}\": [ {{ \"dst\": \"*\", \"nextHop\": \"inside\" }} ],\n");
        sb.Append("    \"ext{1..2}\": [ { \"dst\": \"*\", \"nextHop\": \"border\" } ],\n    \"inside\": [ ");
        for (int i = 0; i < subnets; i++)
            for (int j = 1; j <= hostsPerSubnet; j++) sb.Append($"{{ \"dst\": \"{S(i)}h{j}\", \"nextHop\": \"{S(i)}h{j}\" }}, ");
        sb.Append("{ \"dst\": \"internet\", \"nextHop\": \"fw\" } ],\n");
        sb.Append("    \"fw\": [ { \"dst\": \"internet\", \"nextHop\": \"border\" }, { \"dst\": \"*\", \"nextHop\": \"inside\" } ],\n");
        sb.Append("    \"border\": [ { \"dst\": \"ext1\", \"nextHop\": \"ext1\" }, { \"dst\": \"ext2\", \"nextHop\": \"ext2\" }, { \"dst\": \"*\", \"nextHop\": \"fw\" } ]\n");
        sb.Append("  },\n  \"invariants\": [\n");
        var invariants = new List<string>();
        for (int i = 0; i < subnets; i++)
        {
            void Add(string name, string kind, string from, string to, bool expectViolated) =>
                invariants.Add($"    {{ \"name\": \"{name}\", \"kind\": \"{kind}\", \"from\": \"{from}\", \"to\": \"{to}\", \"expect\": \"{(expectViolated || violated.Contains(name) ? "violated" : "holds")}\" }}");
            switch (Kind(i))
            {
                case "public": Add($"public-reachable:{S(i)}", "isolation", "internet", S(i), true); break;
                case "private": Add($"private-flow-isolated:{S(i)}", "flow-isolation", "internet", S(i), false); break;
                default:
                    Add($"quarantine-in:{S(i)}", "isolation", "internet", S(i), false);
                    Add($"quarantine-out:{S(i)}", "isolation", S(i), "internet", false);
                    break;
            }
        }
        sb.Append(string.Join(",\n", invariants));
        sb.Append("\n  ],\n  \"options\": { \"timeoutMs\": 20000, \"solver\": \"z3\" }\n}\n");
        return new Scenario($"enterprise-{subnets}x{hostsPerSubnet}", sb.ToString(), violated, subnets * hostsPerSubnet + 2, subnets + 1);
    }
}
