using System.Reflection;
using System.Reflection.Metadata;

namespace Switchboard.Host.Verification;

/// <summary>
/// Part 4: the plugin's own call graph. Calls to its methods (directly, through generic
/// instantiations, and through virtual or interface dispatch to any of its overriding methods) are
/// edges; any cycle is recursion, which can overflow the stack and kill the whole switch.
/// </summary>
internal sealed class CallGraph(VerificationContext cx)
{
    private readonly Dictionary<MethodDefinitionHandle, List<(MethodDefinitionHandle To, int Offset)>> _edges = [];
    private Dictionary<string, List<MethodDefinitionHandle>>? _virtualsBySig;
    private Dictionary<MethodDefinitionHandle, List<MethodDefinitionHandle>>? _explicitImpls;

    public void AddCall(MethodDefinitionHandle from, EntityHandle token, int offset, bool virtualDispatch)
    {
        var md = cx.Md;
        if (token.Kind == HandleKind.MethodSpecification) token = md.GetMethodSpecification((MethodSpecificationHandle)token).Method;
        MethodDefinitionHandle target = default;
        if (token.Kind == HandleKind.MethodDefinition) target = (MethodDefinitionHandle)token;
        else if (token.Kind == HandleKind.MemberReference) target = ResolveOwn((MemberReferenceHandle)token);
        if (target.IsNil) return;
        Add(from, target, offset);
        var def = md.GetMethodDefinition(target);
        if (virtualDispatch || (def.Attributes & MethodAttributes.Virtual) != 0 && (def.Attributes & MethodAttributes.Abstract) != 0)
            foreach (var impl in Overriders(target)) if (impl != target) Add(from, impl, offset);
    }

    private void Add(MethodDefinitionHandle from, MethodDefinitionHandle to, int offset)
    {
        if (!_edges.TryGetValue(from, out var list)) _edges[from] = list = [];
        list.Add((to, offset));
    }

    // Foo<int>.Bar: a MemberRef whose parent instantiates one of the plugin's generic types.
    private MethodDefinitionHandle ResolveOwn(MemberReferenceHandle h)
    {
        var md = cx.Md;
        var mr = md.GetMemberReference(h);
        if (mr.GetKind() != MemberReferenceKind.Method || mr.Parent.Kind != HandleKind.TypeSpecification) return default;
        var head = ReferenceRules.SpecHead(md, (TypeSpecificationHandle)mr.Parent);
        if (head.Kind != HandleKind.TypeDefinition) return default;
        string key = Key(md.GetString(mr.Name), mr.DecodeMethodSignature(DocIdProvider.Instance, null));
        foreach (var mh in md.GetTypeDefinition((TypeDefinitionHandle)head).GetMethods())
        {
            var m = md.GetMethodDefinition(mh);
            if (Key(md.GetString(m.Name), m.DecodeSignature(DocIdProvider.Instance, null)) == key) return mh;
        }
        return default;
    }

    private static string Key(string name, MethodSignature<SigType> sig) =>
        $"{name}``{sig.GenericParameterCount}({string.Join(",", sig.ParameterTypes.Select(p => p.Id))})";

    // Every plugin method that a virtual call to `target` may reach: same name and parameters, or an explicit implementation.
    private IEnumerable<MethodDefinitionHandle> Overriders(MethodDefinitionHandle target)
    {
        var md = cx.Md;
        if (_virtualsBySig == null)
        {
            _virtualsBySig = [];
            _explicitImpls = [];
            foreach (var th in md.TypeDefinitions)
            {
                var t = md.GetTypeDefinition(th);
                foreach (var mh in t.GetMethods())
                {
                    var m = md.GetMethodDefinition(mh);
                    if ((m.Attributes & MethodAttributes.Virtual) == 0) continue;
                    string key = Key(md.GetString(m.Name), m.DecodeSignature(DocIdProvider.Instance, null));
                    if (!_virtualsBySig.TryGetValue(key, out var l)) _virtualsBySig[key] = l = [];
                    l.Add(mh);
                }
                foreach (var ih in t.GetMethodImplementations())
                {
                    var impl = md.GetMethodImplementation(ih);
                    var decl = impl.MethodDeclaration;
                    if (decl.Kind == HandleKind.MemberReference) decl = ResolveOwn((MemberReferenceHandle)decl);
                    if (decl.Kind != HandleKind.MethodDefinition || impl.MethodBody.Kind != HandleKind.MethodDefinition) continue;
                    var d = (MethodDefinitionHandle)decl;
                    if (!_explicitImpls.TryGetValue(d, out var l)) _explicitImpls[d] = l = [];
                    l.Add((MethodDefinitionHandle)impl.MethodBody);
                }
            }
        }
        var def = md.GetMethodDefinition(target);
        if ((def.Attributes & MethodAttributes.Virtual) == 0) yield break;
        if (_virtualsBySig.TryGetValue(Key(md.GetString(def.Name), def.DecodeSignature(DocIdProvider.Instance, null)), out var same))
            foreach (var m in same) yield return m;
        if (_explicitImpls!.TryGetValue(target, out var ex))
            foreach (var m in ex) yield return m;
    }

    /// <summary>Report every cycle (strongly connected component with a loop) once.</summary>
    public void ReportCycles()
    {
        var index = new Dictionary<MethodDefinitionHandle, int>();
        var low = new Dictionary<MethodDefinitionHandle, int>();
        var onStack = new HashSet<MethodDefinitionHandle>();
        var stack = new Stack<MethodDefinitionHandle>();
        int next = 0;

        foreach (var start in _edges.Keys.ToList())
        {
            if (index.ContainsKey(start)) continue;
            // Iterative Tarjan: a hostile plugin's deep call chains must not overflow the verifier's stack.
            var work = new Stack<(MethodDefinitionHandle Node, int Edge)>();
            work.Push((start, 0));
            index[start] = low[start] = next++;
            stack.Push(start); onStack.Add(start);
            while (work.Count > 0)
            {
                var (v, e) = work.Pop();
                var edges = _edges.GetValueOrDefault(v);
                if (edges != null && e < edges.Count)
                {
                    work.Push((v, e + 1));
                    var w = edges[e].To;
                    if (!index.ContainsKey(w))
                    {
                        index[w] = low[w] = next++;
                        stack.Push(w); onStack.Add(w);
                        work.Push((w, 0));
                    }
                    else if (onStack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
                    continue;
                }
                if (work.Count > 0) { var parent = work.Peek().Node; low[parent] = Math.Min(low[parent], low[v]); }
                if (low[v] != index[v]) continue;
                var scc = new List<MethodDefinitionHandle>();
                MethodDefinitionHandle x;
                do { x = stack.Pop(); onStack.Remove(x); scc.Add(x); } while (x != v);
                ReportIfCycle(scc);
            }
        }
    }

    private void ReportIfCycle(List<MethodDefinitionHandle> scc)
    {
        var members = scc.ToHashSet();
        var first = scc[^1];
        var edge = _edges.GetValueOrDefault(first)?.FirstOrDefault(e => members.Contains(e.To));
        if (edge is not { } closing || closing.To.IsNil) return;
        string names = string.Join(" -> ", scc.AsEnumerable().Reverse().Take(6).Select(m => $"{cx.TypeNameOf(m)}.{cx.Md.GetString(cx.Md.GetMethodDefinition(m).Name)}"));
        string cycle = scc.Count == 1 ? "calls itself" : $"is part of a call cycle ({names}{(scc.Count > 6 ? " -> ..." : "")})";
        cx.Report(Rules.Recursion, $"{cycle}; recursion can overflow the stack and kill the switch: rewrite it as a loop with an explicit stack", first, closing.Offset);
    }
}
