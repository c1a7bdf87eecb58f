using System.Globalization;
using System.Text;

namespace Switchboard.PolicyCheck.Scenarios;

/// <summary>Misconfigurations of the data-isolation network (thesis 4.6.2: ACL entries deleted from caches and firewalls).</summary>
public enum DataMisconfiguration
{
    /// <summary>The cache lacks the deny entry for one (other tenant's clients, private servers) pair: those clients read
    /// that private data through it.</summary>
    CacheAclMissing,
    /// <summary>The storage firewall lacks the deny entry for one (private servers, other tenant's clients) pair: the
    /// servers send to those clients directly.</summary>
    FirewallRuleMissing,
    /// <summary>One tenant's private servers are served by a cache, shared across tenants, without deny entries for them
    /// (with several caches: moved behind another tenant's cache; with one: its entries for them are gone): every
    /// other tenant's clients read their data.</summary>
    SharedCache,
}

/// <summary>
/// The data-isolation network of thesis 4.6.2: tenants with client groups (t<i>i</i>clients, behind top-of-rack
/// routers) and private servers (t<i>i</i>private), public servers (public) everyone may read, and a content cache
/// (<c>Cache</c>, listing 10) shared by all tenants in front of the storage: every request to a server passes it; a
/// miss is fetched from the cache's own address. Its deny entries keep each tenant's clients from every other tenant's
/// private data (fetched or cached). A storage firewall (deny entries) keeps private servers from sending to other
/// tenants' clients directly. With <c>caches</c> &gt; 1, tenant <i>i</i>'s private servers sit behind cache
/// <i>i</i> mod <c>caches</c> (the public ones behind cache 0), whose deny entries name them. One cache by default:
/// caches are not flow-parallel, so every slice holds a host of each policy class and every cache, and a query with
/// two caches already takes several times as long.
/// <para>Invariants (data isolation with origin): for every tenant's private servers and every other tenant's
/// clients, "data originating there never reaches those clients" (<c>data:tAprivate->tBclients</c>); and, as checks
/// that the cache does serve, reachability of a tenant's own private data and of public data by each tenant's clients
/// (<c>reach:…</c>, expected violated, i.e. reachable). Misconfigurations are planted at random (seeded); the
/// generator records exactly the data-isolation invariants they break.</para>
/// </summary>
public static class DataIsolationScenario
{
    public static Scenario Generate(int tenants, int clientsPerTenant, int seed, IReadOnlyCollection<DataMisconfiguration>? plant = null,
        int serversPerTenant = 1, int perClass = 1, int caches = 1)
    {
        if (tenants is < 2 or > 200) throw new ArgumentOutOfRangeException(nameof(tenants), "2..200 tenants (isolation needs two)");
        if (clientsPerTenant is < 1 or > 250) throw new ArgumentOutOfRangeException(nameof(clientsPerTenant));
        if (serversPerTenant is < 1 or > 250) throw new ArgumentOutOfRangeException(nameof(serversPerTenant));
        if (perClass < 1) throw new ArgumentOutOfRangeException(nameof(perClass));
        if (caches < 1 || caches > tenants) throw new ArgumentOutOfRangeException(nameof(caches), "1..tenants caches");
        var rng = new Random(seed);
        plant ??= [];
        string T(int i) => "t" + i.ToString(CultureInfo.InvariantCulture);
        string Clients(int i) => T(i) + "clients";
        string Private(int i) => T(i) + "private";
        string Data(int server, int client) => $"data:{Private(server)}->{Clients(client)}";
        var pairs = new List<(int Server, int Client)>();
        for (int s = 0; s < tenants; s++)
            for (int c = 0; c < tenants; c++)
                if (s != c) pairs.Add((s, c));

        var violated = new HashSet<string>(StringComparer.Ordinal);
        var cacheDeny = pairs.ToHashSet();
        var firewallDeny = pairs.ToHashSet();
        // Tenant t's private servers sit behind cache t % caches (public ones behind cache 0), whose deny entries name them.
        var served = Enumerable.Range(0, tenants).Select(t => t % caches).ToArray();
        // Each class on pairs no other class breaks, so every planted error is visible by itself.
        if (plant.Contains(DataMisconfiguration.SharedCache))
            foreach (var t in Pick(Enumerable.Range(0, tenants).ToList(), Math.Min(perClass, tenants - 1), rng))
            {
                // Moved behind another cache, which has no entries for it (one cache: its entries are gone).
                if (caches > 1) served[t] = (t + 1) % caches;
                foreach (var pair in pairs.Where(p => p.Server == t))
                {
                    if (caches == 1) cacheDeny.Remove(pair);
                    violated.Add(Data(pair.Server, pair.Client));
                }
            }
        if (plant.Contains(DataMisconfiguration.CacheAclMissing))
            foreach (var pair in Pick(pairs.Where(p => !violated.Contains(Data(p.Server, p.Client))).ToList(), perClass, rng))
            {
                cacheDeny.Remove(pair);
                violated.Add(Data(pair.Server, pair.Client));
            }
        if (plant.Contains(DataMisconfiguration.FirewallRuleMissing))
            foreach (var pair in Pick(pairs.Where(p => !violated.Contains(Data(p.Server, p.Client))).ToList(), perClass, rng))
            {
                firewallDeny.Remove(pair);
                violated.Add(Data(pair.Server, pair.Client));
            }

        string Cache(int j) => caches == 1 ? "cache" : "cache" + j.ToString(CultureInfo.InvariantCulture);
        List<string> Storage(int j) => Enumerable.Range(0, tenants).Where(t => served[t] == j).Select(Private).Concat(j == 0 ? ["public"] : []).ToList();
        var allClients = "[" + string.Join(", ", Enumerable.Range(0, tenants).Select(t => $"\"{Clients(t)}\"")) + "]";
        static string List(IEnumerable<string> names) => "[" + string.Join(", ", names.Select(n => $"\"{n}\"")) + "]";
        var sb = new StringBuilder();
        sb.Append("{\n  \"policyGroups\": {\n");
        var groups = Enumerable.Range(0, tenants).SelectMany(i => new[]
        {
            $"    \"{Clients(i)}\": {{ \"prefixes\": [\"10.{i}.1.0/24\"], \"description\": \"tenant {T(i)}: clients\" }}",
            $"    \"{Private(i)}\": {{ \"prefixes\": [\"10.{i}.2.0/24\"], \"description\": \"tenant {T(i)}: servers with private data\" }}",
        }).Append("    \"public\": { \"prefixes\": [\"10.250.1.0/24\"], \"description\": \"servers with public data\" }")
          .Append("    \"caches\": { \"prefixes\": [\"10.250.9.0/24\"] }");
        sb.Append(string.Join(",\n", groups));
        sb.Append("\n  },\n  \"hosts\": [\n");
        var hosts = Enumerable.Range(0, tenants).SelectMany(i => new[]
        {
            $"    {{ \"name\": \"{Range(T(i) + "c", clientsPerTenant)}\", \"group\": \"{Clients(i)}\" }}",
            $"    {{ \"name\": \"{Range(T(i) + "s", serversPerTenant)}\", \"group\": \"{Private(i)}\" }}",
        }).Append("    { \"name\": \"pub1\", \"group\": \"public\" }");
        sb.Append(string.Join(",\n", hosts));
        sb.Append("\n  ],\n  \"nfs\": [\n");
        for (int j = 0; j < caches; j++)
        {
            var cacheAcl = pairs.Where(p => cacheDeny.Contains(p) && p.Server % caches == j).Select(p => $"[\"{Clients(p.Client)}\", \"{Private(p.Server)}\"]");
            sb.Append($"    {{ \"name\": \"{Cache(j)}\", \"model\": \"Cache\", \"addresses\": [\"10.250.9.{j + 1}\"], \"config\": {{ \"address\": \"{Cache(j)}\", \"acls\": {{ \"deny\": [{string.Join(", ", cacheAcl)}] }} }} }},\n");
        }
        var firewallAcl = pairs.Where(firewallDeny.Contains).Select(p => $"[\"{Private(p.Server)}\", \"{Clients(p.Client)}\"]");
        sb.Append($"    {{ \"name\": \"sfw\", \"model\": \"acl-firewall\", \"config\": {{ \"deny\": [{string.Join(", ", firewallAcl)}] }} }}\n");
        sb.Append($"  ],\n  \"routers\": [\"tor{{0..{tenants - 1}}}\", \"core\", \"stor\"],\n  \"routing\": {{\n");
        for (int t = 0; t < tenants; t++)
        {
            sb.Append($"    \"{Range(T(t) + "c", clientsPerTenant)}\": [ {{ \"dst\": \"*\", \"nextHop\": \"tor{t}\" }} ],\n");
            sb.Append($"    \"tor{t}\": [ ");
            for (int j = 1; j <= clientsPerTenant; j++) sb.Append($"{{ \"dst\": \"{T(t)}c{j}\", \"nextHop\": \"{T(t)}c{j}\" }}, ");
            sb.Append("{ \"dst\": \"*\", \"nextHop\": \"core\" } ],\n");
        }
        foreach (var range in Enumerable.Range(0, tenants).Select(t => Range(T(t) + "s", serversPerTenant)).Append("pub1"))
            sb.Append($"    \"{range}\": [ {{ \"dst\": \"*\", \"nextHop\": \"stor\" }} ],\n");
        // A cache answers clients only: a catch-all route would bring packets to its own address back to it.
        for (int j = 0; j < caches; j++)
            sb.Append($"    \"{Cache(j)}\": [ {(Storage(j).Count > 0 ? $"{{ \"dst\": {List(Storage(j))}, \"nextHop\": \"stor\" }}, " : "")}{{ \"dst\": {allClients}, \"nextHop\": \"core\" }} ],\n");
        sb.Append("    \"stor\": [ ");
        for (int t = 0; t < tenants; t++)
            for (int j = 1; j <= serversPerTenant; j++) sb.Append($"{{ \"dst\": \"{T(t)}s{j}\", \"nextHop\": \"{T(t)}s{j}\" }}, ");
        sb.Append("{ \"dst\": \"pub1\", \"nextHop\": \"pub1\" }, { \"dst\": \"*\", \"nextHop\": \"sfw\" } ],\n");
        sb.Append("    \"sfw\": [ { \"dst\": \"*\", \"nextHop\": \"core\" } ],\n");
        sb.Append("    \"core\": [ ");
        sb.Append(string.Join(", ", Enumerable.Range(0, tenants).Select(t => $"{{ \"dst\": \"{Clients(t)}\", \"nextHop\": \"tor{t}\" }}")));
        for (int j = 0; j < caches; j++) sb.Append($", {{ \"dst\": {List(Storage(j).Append(Cache(j)))}, \"nextHop\": \"{Cache(j)}\" }}");
        sb.Append(" ]\n");
        sb.Append("  },\n  \"invariants\": [\n");
        var invariants = new List<string>();
        void Add(string name, string from, string to, bool expectViolated) =>
            invariants.Add($"    {{ \"name\": \"{name}\", \"kind\": \"data-isolation\", \"from\": \"{from}\", \"to\": \"{to}\", \"expect\": \"{(expectViolated ? "violated" : "holds")}\" }}");
        foreach (var (s, c) in pairs) Add(Data(s, c), Private(s), Clients(c), violated.Contains(Data(s, c)));
        for (int t = 0; t < tenants; t++)
        {
            Add($"reach:{Private(t)}->{Clients(t)}", Private(t), Clients(t), true);
            Add($"reach:public->{Clients(t)}", "public", Clients(t), true);
        }
        sb.Append(string.Join(",\n", invariants));
        sb.Append("\n  ],\n  \"options\": { \"timeoutMs\": 20000, \"solver\": \"z3\" }\n}\n");
        var name = $"data-isolation-{tenants}x{clientsPerTenant}{(caches == 1 ? "" : $"-{caches}caches")}{(plant.Count == 0 ? "" : "-" + string.Join("-", plant.Select(p => p.ToString().ToLowerInvariant())))}";
        return new Scenario(name, sb.ToString(), violated, tenants * (clientsPerTenant + serversPerTenant) + 1, 2 * tenants + 2);
    }

    // A host name range, or the single name (no "{1..1}").
    private static string Range(string prefix, int count) => count == 1 ? prefix + "1" : $"{prefix}{{1..{count}}}";

    private static List<T> Pick<T>(IReadOnlyList<T> items, int count, Random rng) =>
        items.OrderBy(_ => rng.Next()).Take(Math.Min(count, items.Count)).ToList();
}
