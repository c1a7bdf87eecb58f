using System.Globalization;
using System.Text;
using Switchboard.PolicyCheck.Language;
using Switchboard.PolicyCheck.Network;
using Switchboard.PolicyCheck.Verification.Encoding;

namespace Switchboard.PolicyCheck.Verification;

/// <summary>
/// Symmetry of slices (4.3.3, beyond policy classes): a canonical description of everything
/// <see cref="NetworkEncoding"/> reads for one invariant on one slice, with hosts named by their position in the
/// slice, addresses (and every configured range bound the query can compare them with) by their rank, and destination
/// classes by their order. Two invariants with equal signatures have queries that are the same formula up to renaming
/// hosts and addresses by an order-preserving bijection, hence the same verdict — so invariants between groups that are
/// configured alike (iso:g3->g7 and iso:g13->g17 in the datacenter) are decided by one query. The signature is built from
/// the slice alone (per-NF pair tables are cached), so it costs microseconds where the encoding costs milliseconds.
/// <para>What it lists, mirroring the encoder: the slice's endpoints in file order (kind; an NF's name and model; a
/// host's address ranks; whether it may fail), the failure model (in-slice nodes by position), the destination class of
/// every slice address and every endpoint's next hops towards each class with their failure guards, each NF's bound
/// configuration as <see cref="ConfigBinder"/> gives it for this slice (address sets as rank ranges, hosts by position),
/// and the invariant (kind, steady or under failures, receivers, source set, required NFs). Why renaming numbers is
/// exact: the encoding uses addresses and configured bounds only in comparisons with each other (ordered flows, range
/// tests, equality), which an order-preserving relabelling keeps.</para>
/// </summary>
internal sealed class SliceSignature(NetworkDescription network, ModelCatalog catalog)
{
    // Per NF: the instance, its model (null: none) and the binder's location text; the failable nodes.
    private readonly Dictionary<string, (FunctionInstance Nf, object? Model, string Where)> _functions = network.Functions
        .ToDictionary(f => f.Name, f => (f, catalog.Find(f.Model), $"NF {f.Name} ({f.JsonPath})"), StringComparer.Ordinal);
    private readonly HashSet<string> _failable = network.Failures.Nodes.ToHashSet(StringComparer.Ordinal);
    private static readonly string[] Positions = Enumerable.Range(0, 64).Select(i => "#" + i.ToString(CultureInfo.InvariantCulture)).ToArray();

    /// <summary>The signature of <paramref name="invariant"/> on <paramref name="slice"/>.</summary>
    public string Of(InvariantSpec invariant, Slice slice)
    {
        var nodes = slice.Nodes;
        var position = new Dictionary<string, int>(nodes.Count, StringComparer.Ordinal);
        for (int i = 0; i < nodes.Count; i++) position[nodes[i]] = i;
        var endpoints = nodes.Select(network.Node).ToList();
        var addresses = new SliceAddresses(endpoints.SelectMany(n => n.Addresses));
        var sb = new StringBuilder(1024);

        // Configured values and the invariant's source set first: their range bounds join the numbers to rank.
        var numbers = new SortedSet<ulong>(addresses.Values);
        var pending = new List<(string Node, IReadOnlyList<Sym>? Syms, string? Error)>();
        foreach (var n in endpoints.Where(n => n.Kind == NodeKind.Function))
        {
            var (nf, found, where) = _functions[n.Name];
            try
            {
                var model = found ?? throw new EncodingException("no model");
                var binder = new ConfigBinder(network, where, addresses);
                var syms = model switch
                {
                    ModelDecl m => binder.Bind(m.Parameters, nf.Config),
                    PipelineDecl p => binder.Bind(p.Parameters, nf.Config),
                    _ => throw new EncodingException("unknown model kind"),
                };
                foreach (var s in syms) CollectNumbers(s, numbers);
                pending.Add((n.Name, syms, null));
            }
            catch (EncodingException e) { pending.Add((n.Name, null, e.Message)); }
        }
        var source = SourceSet(invariant);
        if (source is not null) CollectNumbers(source, numbers);
        var rank = new Dictionary<ulong, int>(numbers.Count);
        foreach (var v in numbers) rank[v] = rank.Count;

        string Name(string node) => position.TryGetValue(node, out var i) ? (i < Positions.Length ? Positions[i] : "#" + i.ToString(CultureInfo.InvariantCulture)) : node;
        // A guard as "n-" (down) and "n+" (up) literals, written straight into the signature (one per hop).
        void WriteGuard(FailureCondition c)
        {
            if (c.IsAlways) { sb.Append("always"); return; }
            foreach (var n in c.Down) sb.Append(Name(n)).Append("-,");
            foreach (var n in c.Up) sb.Append(Name(n)).Append("+,");
        }

        // Endpoints.
        foreach (var n in endpoints)
        {
            if (n.Kind == NodeKind.Function) sb.Append("nf ").Append(n.Name).Append(' ').Append(_functions[n.Name].Nf.Model);
            else sb.Append("host");
            foreach (var a in n.Addresses) sb.Append(' ').Append(rank[a.Value]);
            if (_failable.Contains(n.Name)) sb.Append(" failable");
            sb.Append('\n');
        }
        // Failures.
        sb.Append("failures ").Append(network.Failures.MaxFailures).Append(invariant.UnderFailures ? " under" : " steady");
        foreach (var f in network.Failures.Nodes) sb.Append(' ').Append(Name(f));
        sb.Append('\n');
        // Routing: classes of the slice's addresses in class order; hops of every endpoint towards each.
        var tf = network.Transfer;
        var classes = addresses.Values.Select(v => tf.ClassOf(new Ipv4Address((uint)v))).OfType<DestinationClass>()
            .DistinctBy(c => c.Id).OrderBy(c => c.Id).ToList();
        var classIndex = classes.Select((c, i) => (c.Id, i)).ToDictionary(x => x.Id, x => x.i);
        sb.Append("classes");
        foreach (var v in addresses.Values)
            sb.Append(' ').Append(tf.ClassOf(new Ipv4Address((uint)v)) is { } c ? classIndex[c.Id] : -1);
        sb.Append('\n');
        foreach (var n in endpoints)
        {
            sb.Append("route");
            foreach (var c in classes)
            {
                sb.Append(" |");
                foreach (var h in tf.Hops(n.Name, c))
                    if (h.Next is { } next && next != n.Name && position.ContainsKey(next))
                    {
                        sb.Append(' ');
                        WriteGuard(h.When);
                        sb.Append('>').Append(Name(next));
                    }
            }
            sb.Append('\n');
        }
        // NF configurations as bound for this slice.
        foreach (var (node, syms, error) in pending)
        {
            sb.Append("config ").Append(node).Append(' ');
            if (error is not null) sb.Append("error");
            else foreach (var s in syms!) { Write(s, sb, rank, Name); sb.Append(';'); }
            sb.Append('\n');
        }
        // The invariant.
        sb.Append("inv ").Append(invariant.Kind).Append(" to");
        var to = Endpoints(invariant.To);
        if (to.Count == 0) sb.Append(" none");
        foreach (var r in to) if (position.TryGetValue(r, out var i)) sb.Append(' ').Append(i);
        if (invariant.Kind == InvariantKinds.DataIsolation)
        {
            sb.Append(" origins");
            foreach (var o in Endpoints(invariant.From)) if (position.TryGetValue(o, out var i)) sb.Append(' ').Append(i);
        }
        sb.Append(" from ");
        if (source is null) sb.Append("none"); else Write(source, sb, rank, Name);
        sb.Append(" through");
        foreach (var t in invariant.Through) sb.Append(' ').Append(Name(t));
        // Pipeline stages: their grouping and order matter, not only the NFs they name.
        foreach (var stage in invariant.Stages)
        {
            sb.Append(" stage");
            foreach (var t in stage) sb.Append(' ').Append(Name(t));
        }
        return sb.ToString();
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, List<string>> _endpoints = new(StringComparer.Ordinal);

    // The endpoints a name stands for (cached: a group is resolved once, not per invariant).
    private List<string> Endpoints(string name) =>
        _endpoints.GetOrAdd(name, n => network.Resolve(n).Where(x => x.IsEndpoint).Select(x => x.Name).ToList());

    // The source addresses the negated invariant tests (as NetworkEncoding.FromSource builds them).
    private AddressSym? SourceSet(InvariantSpec invariant)
    {
        var set = network.Group(invariant.From) is { } g
            ? new AddressSym(g.Prefixes.Select(p => ((ulong)p.Network.Value, p.Network.Value + p.Size)).ToList(), g.Name)
            : new AddressSym(network.Resolve(invariant.From).SelectMany(n => n.Addresses).Select(a => ((ulong)a.Value, a.Value + 1UL)).ToList(), invariant.From);
        return set.Ranges.Count == 0 ? null : set;
    }

    private static void CollectNumbers(Sym s, SortedSet<ulong> numbers)
    {
        switch (s)
        {
            case AddressSym a when a.IsSingle: numbers.Add(a.Value); break;
            case AddressSym a: foreach (var (lo, hi) in a.Ranges) { numbers.Add(lo); numbers.Add(hi); } break;
            case OptionSym o: CollectNumbers(o.Value, numbers); break;
            case TupleSym t: foreach (var x in t.Items) CollectNumbers(x, numbers); break;
            case CollectionSym c: foreach (var x in c.Items) CollectNumbers(x, numbers); break;
        }
    }

    private static void Write(Sym s, StringBuilder sb, Dictionary<ulong, int> rank, Func<string, string> name)
    {
        switch (s)
        {
            case TermSym t: sb.Append('T'); t.Term.Write(sb); break;
            case AddressSym a when a.IsSingle: sb.Append("A=").Append(rank[a.Value]); break;
            case AddressSym a:
                sb.Append("A[");
                foreach (var (lo, hi) in a.Ranges) sb.Append(rank[lo]).Append('-').Append(rank[hi]).Append(' ');
                sb.Append(']');
                break;
            case HostSym h: sb.Append('H').Append(name(h.Name)); break;
            case OptionSym o: sb.Append("O("); o.Defined.Write(sb); sb.Append(','); Write(o.Value, sb, rank, name); sb.Append(')'); break;
            case TupleSym t:
                sb.Append('(');
                foreach (var x in t.Items) { Write(x, sb, rank, name); sb.Append(','); }
                sb.Append(')');
                break;
            case CollectionSym c:
                sb.Append(c.Complement ? "C![" : "C[");
                foreach (var x in c.Items) { Write(x, sb, rank, name); sb.Append(','); }
                sb.Append(']');
                break;
            default: throw new InvalidOperationException($"unexpected configuration value {s}");
        }
    }
}
