using Switchboard.PolicyCheck.Network;
using Switchboard.PolicyCheck.Smt;
using static Switchboard.PolicyCheck.Smt.Terms;

namespace Switchboard.PolicyCheck.Verification.Encoding;

/// <summary>
/// The event vocabulary of a query: <c>send/recv(from, to, packet, time)</c>, the receive-to-send Skolem
/// <c>sendTime</c>, the NF cause functions, and failures. A node that may fail is down during one interval
/// [<c>down.N.from</c>, <c>down.N.to</c>) (empty when from ≥ to): it fails at most once and comes back with its
/// learned state lost; at most <c>maxFailures</c> nodes have a non-empty interval.
/// </summary>
internal sealed class QueryContext
{
    private readonly Dictionary<string, (Term From, Term To)> _down = new(StringComparer.Ordinal);

    public QueryContext(Vocabulary v, FailureModel failures, bool underFailures)
    {
        Script = v.Script;
        Sort[] ev = [v.NodeSort.Sort, v.NodeSort.Sort, v.Packet.Sort, Sort.Int];
        Send = Script.DeclareFun("send", ev, Sort.Bool);
        Recv = Script.DeclareFun("recv", ev, Sort.Bool);
        SendTime = Script.DeclareFun("sendTime", ev, Sort.Int);
        Sort[] cause = [v.NodeSort.Sort, v.Packet.Sort, Sort.Int];
        CauseFrom = Script.DeclareFun("cause.from", cause, v.NodeSort.Sort);
        CausePacket = Script.DeclareFun("cause.pkt", cause, v.Packet.Sort);
        CauseTime = Script.DeclareFun("cause.time", cause, Sort.Int);
        var ever = new List<Term>();
        foreach (var n in failures.Nodes)
        {
            var from = Script.DeclareConst($"down.{n}.from", Sort.Int);
            var to = Script.DeclareConst($"down.{n}.to", Sort.Int);
            _down[n] = (from, to);
            ever.Add(Lt(from, to));
            if (!underFailures) Script.Assert(Ge(from, to));
        }
        if (underFailures && ever.Count > 0) Script.Assert(AtMost(ever, failures.MaxFailures), "failure-budget");
    }

    public SmtScript Script { get; }
    public FunDecl Send { get; }
    public FunDecl Recv { get; }
    public FunDecl SendTime { get; }
    public FunDecl CauseFrom { get; }
    public FunDecl CausePacket { get; }
    public FunDecl CauseTime { get; }

    public IReadOnlyDictionary<string, (Term From, Term To)> Down => _down;

    public bool CanFail(string node) => _down.ContainsKey(node);

    /// <summary><paramref name="node"/> is down at time <paramref name="t"/>.</summary>
    public Term FailedAt(string node, Term t) =>
        _down.TryGetValue(node, out var d) ? And(Le(d.From, t), Lt(t, d.To)) : False;

    /// <summary><paramref name="node"/> is up during the whole of [t1, t2].</summary>
    public Term NoFailure(string node, Term t1, Term t2) =>
        _down.TryGetValue(node, out var d) ? Or(Le(d.To, t1), Lt(t2, d.From), Le(d.To, d.From)) : True;

    /// <summary>A routing guard (conjunction of up/down literals) at time <paramref name="t"/>.</summary>
    public Term Holds(FailureCondition c, Term t) =>
        And(c.Down.Select(n => FailedAt(n, t)).Concat(c.Up.Select(n => Not(FailedAt(n, t)))).ToList());
}
