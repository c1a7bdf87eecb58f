using Switchboard.PolicyCheck.Network;
using Switchboard.PolicyCheck.Smt;
using static Switchboard.PolicyCheck.Smt.Terms;

namespace Switchboard.PolicyCheck.Verification.Encoding;

/// <summary>
/// The negated pipeline invariant (4.4.1): the delivered packet's causal chain — back from the receive along
/// <c>sendTime</c> and the NFs' cause functions to the host that sent it — does not contain the stages in order
/// (a stage is passed when one of its NFs sent the packet on). Matching runs backwards and greedily (the last stage
/// first, then the one before it, ...), which finds the stages in order whenever the chain has them: <c>pipe.rK</c>
/// and <c>pipe.sK</c> mark receive and send events of the chain once K stages, counted from the last, are matched.
/// A send by an NF of the next stage to match moves to K+1; completing every stage contradicts the violation; the
/// chain ends at a host with fewer matched, which is the violation. Same fragment as the traversal encoding (one
/// quantified implication per mark, triggered on the mark).
/// </summary>
internal static class PipelineEncoding
{
    public static Term OutOfOrder(Vocabulary v, QueryContext q, IReadOnlyList<NetworkNode> endpoints, IReadOnlyList<IReadOnlyList<string>> stages,
        Term peer, Term receiver, Term packet, Term time)
    {
        if (stages.Count == 0) throw new EncodingException("a pipeline invariant needs its stages");
        var script = v.Script;
        int n = stages.Count;
        var ev = new[] { v.NodeSort.Sort, v.NodeSort.Sort, v.Packet.Sort, Sort.Int };
        var receives = Enumerable.Range(0, n).Select(k => script.DeclareFun($"pipe.r{k}", ev, Sort.Bool)).ToList();
        var sends = Enumerable.Range(0, n).Select(k => script.DeclareFun($"pipe.s{k}", [v.NodeSort.Sort, v.Packet.Sort, Sort.Int], Sort.Bool)).ToList();
        var functions = endpoints.Where(e => e.Kind == NodeKind.Function).Select(e => e.Name).ToList();
        for (int k = 0; k < n; k++)
        {
            var y = new Var("y", v.NodeSort.Sort);
            var d = new Var("d", v.NodeSort.Sort);
            var p = new Var("p", v.Packet.Sort);
            var t = new Var("t", Sort.Int);
            var r = receives[k].Apply(y, d, p, t);
            script.Assert(Forall([y, d, p, t], Implies(r, sends[k].Apply(y, p, q.SendTime.Apply(y, d, p, t))), [[r]], $"pipe.recv{k}"), $"pipe.recv{k}");

            var x = new Var("x", v.NodeSort.Sort);
            var s = sends[k].Apply(x, p, t);
            // Stage n-1-k is the next to match; NFs outside the slice pass nothing.
            var next = stages[n - 1 - k].Where(v.HasNode).ToHashSet(StringComparer.Ordinal);
            Term Cause(int state) => receives[state].Apply(q.CauseFrom.Apply(x, p, t), x, q.CausePacket.Apply(x, p, t), q.CauseTime.Apply(x, p, t));
            var inNext = Or(next.Select(nf => Eq(x, v.Node(nf))).ToList());
            var otherFunction = Or(functions.Where(nf => !next.Contains(nf)).Select(nf => Eq(x, v.Node(nf))).ToList());
            var body = And(
                k + 1 == n ? Not(inNext) : Implies(inNext, Cause(k + 1)),
                Implies(otherFunction, Cause(k)));
            script.Assert(Forall([x, p, t], Implies(s, body), [[s]], $"pipe.send{k}"), $"pipe.send{k}");
        }
        return receives[0].Apply(peer, receiver, packet, time);
    }
}
