using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;

namespace Switchboard.Host.Verification;

/// <summary>
/// Part 3 (ECMA-335 III.1.8): abstract interpretation of one method body over verification types.
/// Checks stack depth and compatibility at every join, branch targets, exception-region entry and
/// exit, operand kinds of every instruction (no integer used as an address or reference, no
/// arithmetic on references), assignability of arguments, stores and returns, and that no by-ref
/// into the current frame is returned.
/// </summary>
internal sealed class TypeFlow
{
    private readonly VerificationContext _cx;
    private readonly MethodDefinitionHandle _mh;
    private readonly MethodBodyBlock _body;
    private readonly List<Instruction> _code;
    private readonly FlowTypeSystem _ts;
    private readonly Dictionary<int, int> _indexOf = [];
    private readonly SV?[][] _entry;
    private readonly string[] _regionKey;
    private readonly List<SV> _args = [];
    private readonly List<FType> _argTypes = []; // declared types (the stack normalises byte/short/bool to int32)
    private readonly List<FType> _locals = [];
    private readonly FType _return;
    private bool _failed;
    // By-ref locals/arguments that were ever given a reference into this frame: loads from them are frame references too.
    private readonly HashSet<int> _taintedLocals = [];
    private readonly HashSet<int> _taintedArgs = [];
    private bool _taintGrew;

    public static void Check(VerificationContext cx, MethodDefinitionHandle mh, MethodBodyBlock body, List<Instruction> code)
    {
        if (code.Count == 0) { cx.Report(Rules.FallThrough, "the method body is empty", mh); return; }
        try { new TypeFlow(cx, mh, body, code).Run(); }
        catch (BadImageFormatException e) { cx.Report(Rules.BadIl, $"unreadable signature or token: {e.Message}", mh); }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or KeyNotFoundException or IndexOutOfRangeException or InvalidOperationException)
        {
            cx.Report(Rules.BadIl, $"invalid token or operand ({e.GetType().Name}): {e.Message}", mh);
        }
    }

    private TypeFlow(VerificationContext cx, MethodDefinitionHandle mh, MethodBodyBlock body, List<Instruction> code)
    {
        (_cx, _mh, _body, _code) = (cx, mh, body, code);
        _ts = cx.FlowTypes;
        for (int i = 0; i < code.Count; i++) _indexOf[code[i].Offset] = i;
        _entry = new SV?[code.Count][];
        var def = cx.Md.GetMethodDefinition(mh);
        var sig = def.DecodeSignature(FlowTypeProvider.Instance, GenericContext.None);
        if ((def.Attributes & MethodAttributes.Static) == 0)
        {
            var self = _ts.SelfType(def.GetDeclaringType());
            // A struct's `this` is a by-ref into the caller's frame that C# treats as scoped: it may not be returned.
            _args.Add(self.Kind == FKind.Value ? SV.ByRef(self, local: true) : SV.Ref(self));
            _argTypes.Add(self.Kind == FKind.Value ? FlowTypeProvider.Instance.GetByReferenceType(self) : self);
        }
        int firstParam = _args.Count;
        foreach (var p in sig.ParameterTypes) { _args.Add(StackOf(p, local: false)! with { ReadOnly = p.ReadOnly }); _argTypes.Add(p); }
        // An `out` parameter is scoped (C# 11 ref safety): it may not be returned, so callers may pass their locals to it.
        for (int i = firstParam; i < _args.Count; i++)
            if (_args[i].Kind == FKind.ByRef && _ts.ParamIsOut(mh, i - firstParam)) _taintedArgs.Add(i);
        _typeGenerics = GenericConstraints(def.GetDeclaringType() is var dt && !dt.IsNil ? cx.Md.GetTypeDefinition(dt).GetGenericParameters() : default, "`");
        _methodGenerics = GenericConstraints(def.GetGenericParameters(), "``");
        _return = sig.ReturnType;
        if (!body.LocalSignature.IsNil)
            _locals.AddRange(cx.Md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(FlowTypeProvider.Instance, GenericContext.None));
        _regionKey = new string[code.Count];
        for (int i = 0; i < code.Count; i++) _regionKey[i] = RegionKey(code[i].Offset);
    }

    private void Fail(string rule, string message, int offset)
    {
        _cx.Report(rule, message, _mh, offset);
        _failed = true;
    }

    // ---- Driver --------------------------------------------------------------------------------

    private void Run()
    {
        if (!CheckRegionsAndTargets()) return;
        // Taint only grows, so a few passes reach the fixed point; each pass starts from clean entry states.
        for (int pass = 0; pass < 8; pass++)
        {
            _taintGrew = false;
            System.Array.Clear(_entry);
            RunOnce();
            if (_failed || !_taintGrew) return;
        }
    }

    private void RunOnce()
    {
        var work = new Stack<int>();
        Arrive(0, [], work, _code[0].Offset);
        foreach (var r in _body.ExceptionRegions)
        {
            int h = _indexOf[r.HandlerOffset];
            SV[] seed = r.Kind switch
            {
                ExceptionRegionKind.Catch => [SV.Ref(_ts.FromToken(r.CatchType, GenericContext.None))],
                ExceptionRegionKind.Filter => [SV.Ref(FType.Object)],
                _ => [],
            };
            // The exception object is not counted against max stack: compilers (and the runtime) do not.
            Arrive(h, seed, work, r.HandlerOffset, seeded: true);
            if (r.Kind == ExceptionRegionKind.Filter) Arrive(_indexOf[r.FilterOffset], [SV.Ref(FType.Object)], work, r.FilterOffset, seeded: true);
        }
        while (work.Count > 0 && !_failed)
        {
            int i = work.Pop();
            var stack = new List<SV>(_entry[i]!.Select(s => s!));
            Step(i, stack, work);
        }
    }

    // Merge a stack into an instruction's entry state; queue it when the state changed.
    private void Arrive(int index, IReadOnlyList<SV> stack, Stack<int> work, int from, bool seeded = false)
    {
        if (_failed) return;
        var existing = _entry[index];
        if (existing == null)
        {
            if (!seeded && stack.Count > _body.MaxStack) { Fail(Rules.StackOverflow, $"the stack holds {stack.Count} values, more than the declared maximum of {_body.MaxStack}", from); return; }
            if (stack.Count > 0 && IsTryStart(_code[index].Offset))
            {
                Fail(Rules.ExceptionRegion, $"a try block at IL_{_code[index].Offset:x4} must be entered with an empty stack", from);
                return;
            }
            _entry[index] = [.. stack];
            work.Push(index);
            return;
        }
        if (existing.Length != stack.Count)
        {
            Fail(Rules.StackMerge, $"paths reach IL_{_code[index].Offset:x4} with different stack depths ({existing.Length} and {stack.Count})", from);
            return;
        }
        bool changed = false;
        var merged = new SV?[existing.Length];
        for (int k = 0; k < existing.Length; k++)
        {
            var m = SV.Merge(existing[k]!, stack[k]);
            if (m == null)
            {
                Fail(Rules.StackMerge, $"paths reach IL_{_code[index].Offset:x4} with incompatible values in stack slot {k} ({existing[k]!.Describe} and {stack[k].Describe})", from);
                return;
            }
            merged[k] = m;
            if (m.Key != existing[k]!.Key) changed = true;
        }
        if (changed) { _entry[index] = merged; work.Push(index); }
    }

    // ---- Exception regions and branch targets ----------------------------------------------------

    private string RegionKey(int offset)
    {
        var parts = new List<string>();
        int n = 0;
        foreach (var r in _body.ExceptionRegions)
        {
            if (offset >= r.TryOffset && offset < r.TryOffset + r.TryLength) parts.Add($"t{n}");
            if (offset >= r.HandlerOffset && offset < r.HandlerOffset + r.HandlerLength) parts.Add($"h{n}:{r.Kind}");
            if (r.Kind == ExceptionRegionKind.Filter && offset >= r.FilterOffset && offset < r.HandlerOffset) parts.Add($"f{n}");
            n++;
        }
        return string.Join(",", parts);
    }

    private bool IsTryStart(int offset) => _body.ExceptionRegions.Any(r => r.TryOffset == offset);

    private bool CheckRegionsAndTargets()
    {
        int end = _code[^1].Next;
        foreach (var r in _body.ExceptionRegions)
        {
            foreach (var (off, len) in new[] { (r.TryOffset, r.TryLength), (r.HandlerOffset, r.HandlerLength) })
                if (!_indexOf.ContainsKey(off) || (off + len != end && !_indexOf.ContainsKey(off + len)) || off + len > end)
                {
                    Fail(Rules.ExceptionRegion, $"an exception region [IL_{off:x4}, IL_{off + len:x4}) does not start and end on instruction boundaries", off);
                    return false;
                }
            if (r.Kind == ExceptionRegionKind.Filter && !_indexOf.ContainsKey(r.FilterOffset))
            {
                Fail(Rules.ExceptionRegion, "a filter does not start on an instruction boundary", r.FilterOffset);
                return false;
            }
        }
        foreach (var ins in _code)
            foreach (int t in Targets(ins))
                if (!_indexOf.ContainsKey(t))
                {
                    Fail(Rules.BranchTarget, $"'{IlDecoder.Info(ins.Op).Name}' jumps to IL_{t:x4}, which is not the start of an instruction in this method", ins.Offset);
                    return false;
                }
        return true;
    }

    private static IEnumerable<int> Targets(Instruction ins)
    {
        if (ins.IsBranch) yield return (int)ins.Operand;
        if (ins.Targets != null) foreach (var t in ins.Targets) yield return t;
    }

    // Control may stay in its blocks, or enter a try block at its first instruction; leave may also exit blocks.
    private bool TransferOk(int from, int to, bool isLeave)
    {
        var a = _regionKey[from].Length == 0 ? [] : _regionKey[from].Split(',');
        var b = _regionKey[to].Length == 0 ? [] : _regionKey[to].Split(',');
        int targetOffset = _code[to].Offset;
        int n = 0;
        var triesStartingHere = new HashSet<string>();
        foreach (var r in _body.ExceptionRegions) { if (r.TryOffset == targetOffset) triesStartingHere.Add($"t{n}"); n++; }
        foreach (var blk in b.Except(a)) if (!triesStartingHere.Contains(blk)) return false;
        return isLeave || !a.Except(b).Any();
    }

    private void Flow(int from, int to, List<SV> stack, Stack<int> work, bool isLeave = false)
    {
        if (!TransferOk(from, to, isLeave))
        {
            bool intoHandler = _regionKey[to].Split(',').Except(_regionKey[from].Split(',')).Any(k => k.StartsWith('h') || k.StartsWith('f'));
            Fail(Rules.ExceptionRegion, intoHandler || !isLeave && _regionKey[to].Length < _regionKey[from].Length
                ? $"control passes from IL_{_code[from].Offset:x4} to IL_{_code[to].Offset:x4} across an exception block boundary (only 'leave' may exit a block; handlers are entered only by exceptions)"
                : $"control enters a try block in the middle (IL_{_code[to].Offset:x4}); a try block may only be entered at its first instruction", _code[from].Offset);
            return;
        }
        Arrive(to, stack, work, _code[from].Offset);
    }

    // ---- Instructions ------------------------------------------------------------------------------

    private EntityHandle? _constrained;

    private void Step(int i, List<SV> st, Stack<int> work)
    {
        var ins = _code[i];
        int off = ins.Offset;
        var op = ins.Op;
        bool fallsThrough = true;

        SV Pop()
        {
            if (st.Count == 0) throw new Underflow();
            var v = st[^1];
            st.RemoveAt(st.Count - 1);
            return v;
        }
        void Push(SV? v) { if (v != null) st.Add(v); }

        try
        {
            var constrained = _constrained;
            if (op != ILOpCode.Constrained) _constrained = null;
            switch (op)
            {
                case ILOpCode.Nop or ILOpCode.Break or ILOpCode.Volatile or ILOpCode.Unaligned or ILOpCode.Readonly or ILOpCode.Tail or IlDecoder.NoPrefix: break;
                case ILOpCode.Constrained: _constrained = ins.Token; break;

                case >= ILOpCode.Ldarg_0 and <= ILOpCode.Ldarg_3: Push(Arg((int)(op - ILOpCode.Ldarg_0), off)); break;
                case ILOpCode.Ldarg or ILOpCode.Ldarg_s: Push(Arg((int)ins.Operand, off)); break;
                case ILOpCode.Ldarga or ILOpCode.Ldarga_s:
                {
                    var a = Arg((int)ins.Operand, off);
                    if (a == null) break;
                    Push(SV.ByRef(_argTypes[(int)ins.Operand], local: true));
                    break;
                }
                case ILOpCode.Starg or ILOpCode.Starg_s:
                {
                    var a = Arg((int)ins.Operand, off);
                    var v = Pop();
                    if (a != null && a.Kind == FKind.ByRef && v.Kind == FKind.ByRef && v.Local && _taintedArgs.Add((int)ins.Operand)) _taintGrew = true;
                    if (a != null) ExpectSlot(v, (int)ins.Operand, $"argument {ins.Operand}", off);
                    break;
                }
                case >= ILOpCode.Ldloc_0 and <= ILOpCode.Ldloc_3: Push(LocalValue((int)(op - ILOpCode.Ldloc_0), off)); break;
                case ILOpCode.Ldloc or ILOpCode.Ldloc_s: Push(LocalValue((int)ins.Operand, off)); break;
                case ILOpCode.Ldloca or ILOpCode.Ldloca_s:
                    if (Local((int)ins.Operand, off) is { } lt) Push(SV.ByRef(lt, local: true));
                    break;
                case >= ILOpCode.Stloc_0 and <= ILOpCode.Stloc_3: StoreLocal((int)(op - ILOpCode.Stloc_0), Pop(), off); break;
                case ILOpCode.Stloc or ILOpCode.Stloc_s: StoreLocal((int)ins.Operand, Pop(), off); break;

                case ILOpCode.Ldnull: Push(SV.Null); break;
                case >= ILOpCode.Ldc_i4_m1 and <= ILOpCode.Ldc_i4_8 or ILOpCode.Ldc_i4 or ILOpCode.Ldc_i4_s: Push(SV.I4); break;
                case ILOpCode.Ldc_i8: Push(SV.I8); break;
                case ILOpCode.Ldc_r4 or ILOpCode.Ldc_r8: Push(SV.F); break;
                case ILOpCode.Ldstr: Push(SV.Ref(FType.String)); break;
                case ILOpCode.Dup: { var v = Pop(); Push(v); Push(v); break; }
                case ILOpCode.Pop: Pop(); break;

                case ILOpCode.Ret:
                    fallsThrough = false;
                    if (_regionKey[i].Length > 0) { Fail(Rules.ExceptionRegion, "'ret' inside a try block or handler; use 'leave' to exit it first", off); break; }
                    if (_return.Kind != FKind.Void)
                    {
                        var v = Pop();
                        if (_return.Kind == FKind.ByRef && v.Kind == FKind.ByRef && v.Local)
                            Fail(Rules.ByRefEscape, "returns a reference to a local variable, an argument or `this` of this frame, which dies when the method returns", off);
                        else Expect(v, _return, "the return value", off, Rules.ReturnType);
                    }
                    if (st.Count != 0) Fail(Rules.ReturnType, $"'ret' leaves {st.Count} extra value(s) on the stack", off);
                    break;

                case ILOpCode.Br or ILOpCode.Br_s: fallsThrough = false; Flow(i, _indexOf[(int)ins.Operand], st, work); break;
                case ILOpCode.Leave or ILOpCode.Leave_s: fallsThrough = false; st.Clear(); Flow(i, _indexOf[(int)ins.Operand], st, work, isLeave: true); break;
                case ILOpCode.Brtrue or ILOpCode.Brtrue_s or ILOpCode.Brfalse or ILOpCode.Brfalse_s:
                {
                    var v = Pop();
                    if (v.Kind is FKind.F or FKind.Value or FKind.Generic) Fail(Rules.StackType, $"'{Name(op)}' tests a {v.Describe}; it needs an integer or a reference", off);
                    Flow(i, _indexOf[(int)ins.Operand], st, work);
                    break;
                }
                case >= ILOpCode.Beq and <= ILOpCode.Blt_un or >= ILOpCode.Beq_s and <= ILOpCode.Blt_un_s:
                {
                    var b = Pop(); var a = Pop();
                    Compare(a, b, op is ILOpCode.Beq or ILOpCode.Beq_s or ILOpCode.Bne_un or ILOpCode.Bne_un_s, off);
                    Flow(i, _indexOf[(int)ins.Operand], st, work);
                    break;
                }
                case ILOpCode.Switch:
                {
                    var v = Pop();
                    if (v.Kind != FKind.I4) Fail(Rules.StackType, $"'switch' needs an int32, found {v.Describe}", off);
                    foreach (var t in ins.Targets!) Flow(i, _indexOf[t], st, work);
                    break;
                }
                case ILOpCode.Throw:
                {
                    fallsThrough = false;
                    var v = Pop();
                    if (v.Kind != FKind.Ref) Fail(Rules.StackType, $"'throw' needs an exception object, found {v.Describe}", off);
                    break;
                }
                case ILOpCode.Rethrow:
                    fallsThrough = false;
                    if (!_regionKey[i].Contains(":Catch") && !_regionKey[i].Contains(":Filter")) Fail(Rules.ExceptionRegion, "'rethrow' outside a catch handler", off);
                    break;
                case ILOpCode.Endfinally:
                    fallsThrough = false;
                    if (!_regionKey[i].Contains(":Finally") && !_regionKey[i].Contains(":Fault")) Fail(Rules.ExceptionRegion, "'endfinally' outside a finally or fault handler", off);
                    break;
                case ILOpCode.Endfilter:
                    fallsThrough = false;
                    if (Pop().Kind != FKind.I4) Fail(Rules.StackType, "'endfilter' needs an int32", off);
                    if (st.Count != 0) Fail(Rules.StackType, "'endfilter' must leave the stack empty", off);
                    break;
                case ILOpCode.Jmp: fallsThrough = false; break;

                case ILOpCode.Add or ILOpCode.Sub or ILOpCode.Mul or ILOpCode.Div or ILOpCode.Rem
                    or ILOpCode.Add_ovf or ILOpCode.Add_ovf_un or ILOpCode.Sub_ovf or ILOpCode.Sub_ovf_un or ILOpCode.Mul_ovf or ILOpCode.Mul_ovf_un:
                { var b = Pop(); var a = Pop(); Push(Arith(a, b, floats: true, op, off)); break; }
                case ILOpCode.Div_un or ILOpCode.Rem_un or ILOpCode.And or ILOpCode.Or or ILOpCode.Xor:
                { var b = Pop(); var a = Pop(); Push(Arith(a, b, floats: false, op, off)); break; }
                case ILOpCode.Shl or ILOpCode.Shr or ILOpCode.Shr_un:
                {
                    var b = Pop(); var a = Pop();
                    if (a.Kind is not (FKind.I4 or FKind.I8 or FKind.NI) || b.Kind is not (FKind.I4 or FKind.NI)) Fail(Rules.StackType, $"'{Name(op)}' needs integers, found {a.Describe} and {b.Describe}", off);
                    Push(a);
                    break;
                }
                case ILOpCode.Neg or ILOpCode.Not:
                {
                    var a = Pop();
                    if (!a.IsNumeric || op == ILOpCode.Not && a.Kind == FKind.F) Fail(Rules.StackType, $"'{Name(op)}' needs a number, found {a.Describe}", off);
                    Push(a);
                    break;
                }
                case ILOpCode.Ceq or ILOpCode.Cgt or ILOpCode.Cgt_un or ILOpCode.Clt or ILOpCode.Clt_un:
                { var b = Pop(); var a = Pop(); Compare(a, b, op is ILOpCode.Ceq or ILOpCode.Cgt_un, off); Push(SV.I4); break; }
                case ILOpCode.Ckfinite: { var a = Pop(); if (a.Kind != FKind.F) Fail(Rules.StackType, "'ckfinite' needs a float", off); Push(a); break; }

                case >= ILOpCode.Conv_i1 and <= ILOpCode.Conv_u8 or >= ILOpCode.Conv_ovf_i1_un and <= ILOpCode.Conv_ovf_u_un
                    or >= ILOpCode.Conv_ovf_i1 and <= ILOpCode.Conv_ovf_u8 or ILOpCode.Conv_r_un or ILOpCode.Conv_u2 or ILOpCode.Conv_u1
                    or ILOpCode.Conv_i or ILOpCode.Conv_ovf_i or ILOpCode.Conv_ovf_u or ILOpCode.Conv_u:
                {
                    var a = Pop();
                    if (a.Kind == FKind.ByRef) Fail(Rules.Pointer, "converts a managed reference to a number (pointer arithmetic); use indices into arrays or spans", off);
                    else if (!a.IsNumeric) Fail(Rules.StackType, $"'{Name(op)}' needs a number, found {a.Describe}", off);
                    Push(ConvResult(op));
                    break;
                }

                case >= ILOpCode.Ldind_i1 and <= ILOpCode.Ldind_ref:
                {
                    var addr = Pop();
                    if (!IsAddress(addr, off) || !SizeMatches(op, addr.T!, "reads", off)) break;
                    Push(op == ILOpCode.Ldind_ref ? StackOf(addr.T!, false) : LdindResult(op));
                    break;
                }
                case ILOpCode.Stind_ref or >= ILOpCode.Stind_i1 and <= ILOpCode.Stind_r8 or ILOpCode.Stind_i:
                {
                    var v = Pop(); var addr = Pop();
                    if (!IsWritableAddress(addr, off) || !SizeMatches(op, addr.T!, "writes", off)) break;
                    if (op == ILOpCode.Stind_ref) Expect(v, addr.T!, "the stored value", off);
                    else if (v.Kind != StindKind(op)) Fail(Rules.StackType, $"'{Name(op)}' stores a {v.Describe}", off);
                    else if (FlowTypeProvider.PrimitiveKind(addr.T!.Id) is { } pk && pk != v.Kind && _ts.EnumKind(addr.T!) != v.Kind)
                        Fail(Rules.StackType, $"'{Name(op)}' stores a {v.Describe} through a reference to {addr.T!.Id}", off);
                    break;
                }
                case ILOpCode.Ldobj:
                {
                    var t = TypeToken(ins);
                    var addr = Pop();
                    if (IsAddress(addr, off)) { ExpectPointee(addr, t, off); Push(StackOf(t, false)); }
                    break;
                }
                case ILOpCode.Stobj:
                {
                    var t = TypeToken(ins);
                    var v = Pop(); var addr = Pop();
                    if (IsWritableAddress(addr, off)) { ExpectPointee(addr, t, off); Expect(v, t, "the stored value", off); }
                    break;
                }
                case ILOpCode.Initobj:
                {
                    var t = TypeToken(ins);
                    var addr = Pop();
                    if (IsWritableAddress(addr, off)) ExpectPointee(addr, t, off);
                    break;
                }
                case ILOpCode.Cpobj:
                {
                    var t = TypeToken(ins);
                    var src = Pop(); var dst = Pop();
                    if (IsAddress(src, off) && IsWritableAddress(dst, off)) { ExpectPointee(src, t, off); ExpectPointee(dst, t, off); }
                    break;
                }
                case ILOpCode.Sizeof: Push(SV.I4); break;

                case ILOpCode.Ldfld or ILOpCode.Ldflda:
                {
                    var (decl, ft, isStatic) = Field(ins.Token);
                    var obj = Pop();
                    if (!isStatic) CheckInstance(obj, decl, "the object whose field is read", off);
                    bool local = obj.Kind == FKind.ByRef && obj.Local;
                    Push(op == ILOpCode.Ldfld ? StackOf(ft, false) : SV.ByRef(ft, local) with { ReadOnly = obj.Kind == FKind.ByRef && obj.ReadOnly });
                    break;
                }
                case ILOpCode.Stfld:
                {
                    var (decl, ft, isStatic) = Field(ins.Token);
                    var v = Pop(); var obj = Pop();
                    if (!isStatic) CheckInstance(obj, decl, "the object whose field is written", off);
                    if (obj.Kind == FKind.ByRef && obj.ReadOnly) IsWritableAddress(obj, off);
                    Expect(v, ft, "the stored value", off);
                    break;
                }
                case ILOpCode.Ldsfld: Push(StackOf(Field(ins.Token).Type, false)); break;
                case ILOpCode.Ldsflda: Push(SV.ByRef(Field(ins.Token).Type, false)); break;
                case ILOpCode.Stsfld: Expect(Pop(), Field(ins.Token).Type, "the stored value", off); break;

                case ILOpCode.Newarr:
                {
                    var t = TypeToken(ins);
                    var n = Pop();
                    if (n.Kind is not (FKind.I4 or FKind.NI)) Fail(Rules.StackType, $"'newarr' needs a length, found {n.Describe}", off);
                    Push(SV.Ref(FlowTypeProvider.Instance.GetSZArrayType(t)));
                    break;
                }
                case ILOpCode.Ldlen: { Array(Pop(), off); Push(SV.NI); break; }
                case >= ILOpCode.Ldelem_i1 and <= ILOpCode.Ldelem_ref or ILOpCode.Ldelem or ILOpCode.Ldelema:
                {
                    var idx = Pop(); var arr = Pop();
                    Index(idx, off);
                    var elem = Array(arr, off);
                    if (op is ILOpCode.Ldelema or ILOpCode.Ldelem)
                    {
                        var t = TypeToken(ins);
                        if (elem != null) ElementMatches(arr, t, off);
                        Push(op == ILOpCode.Ldelema ? SV.ByRef(t, false) : StackOf(t, false));
                        break;
                    }
                    if (elem != null && !SizeMatches(op, elem, "reads", off)) break;
                    Push(op == ILOpCode.Ldelem_ref ? (elem != null ? StackOf(elem, false) : SV.Ref(FType.Object)) : LdelemResult(op));
                    break;
                }
                case >= ILOpCode.Stelem_i and <= ILOpCode.Stelem_ref or ILOpCode.Stelem:
                {
                    var v = Pop(); var idx = Pop(); var arr = Pop();
                    Index(idx, off);
                    var elem = Array(arr, off);
                    if (op == ILOpCode.Stelem) { var t = TypeToken(ins); if (elem != null) ElementMatches(arr, t, off); Expect(v, t, "the stored element", off); }
                    else if (elem != null && !SizeMatches(op, elem, "writes", off)) { }
                    else if (op == ILOpCode.Stelem_ref) { if (v.Kind != FKind.Ref) Fail(Rules.StackType, $"'stelem.ref' stores a {v.Describe}", off); }
                    else if (!v.IsNumeric) Fail(Rules.StackType, $"'{Name(op)}' stores a {v.Describe}", off);
                    _ = elem;
                    break;
                }

                case ILOpCode.Box:
                {
                    var t = TypeToken(ins);
                    Expect(Pop(), t, "the boxed value", off);
                    Push(SV.Ref(t.Open == "System.Nullable`1" && !t.Args.IsDefaultOrEmpty ? t.Args[0] : t));
                    break;
                }
                case ILOpCode.Unbox_any or ILOpCode.Unbox:
                {
                    var t = TypeToken(ins);
                    var v = Pop();
                    if (v.Kind != FKind.Ref) Fail(Rules.StackType, $"'{Name(op)}' needs an object, found {v.Describe}", off);
                    Push(op == ILOpCode.Unbox ? SV.ByRef(t, false) : StackOf(t, false));
                    break;
                }
                case ILOpCode.Castclass or ILOpCode.Isinst:
                {
                    var t = TypeToken(ins);
                    var v = Pop();
                    if (v.Kind != FKind.Ref) Fail(Rules.StackType, $"'{Name(op)}' needs an object reference, found {v.Describe}", off);
                    Push(t.Kind == FKind.Ref ? SV.Ref(t) : SV.Ref(FType.Object));
                    break;
                }

                case ILOpCode.Ldtoken: Push(new SV(FKind.Value, new FType(FKind.Value, TokenHandleType(ins.Token)))); break;
                case ILOpCode.Ldftn: Push(SV.NI); break;
                case ILOpCode.Ldvirtftn:
                {
                    var v = Pop();
                    if (v.Kind != FKind.Ref) Fail(Rules.StackType, $"'ldvirtftn' needs an object, found {v.Describe}", off);
                    Push(SV.NI);
                    break;
                }
                case ILOpCode.Call or ILOpCode.Callvirt or ILOpCode.Newobj: Call(ins, st, constrained, Pop, Push); break;

                case ILOpCode.Localloc: Pop(); Push(SV.NI); break;
                case ILOpCode.Arglist: Push(SV.NI); break;
                case ILOpCode.Mkrefany: Pop(); Push(new SV(FKind.Value, new FType(FKind.Value, "System.TypedReference"))); break;
                case ILOpCode.Refanyval: Pop(); Push(SV.ByRef(TypeToken(ins), false)); break;
                case ILOpCode.Refanytype: Pop(); Push(new SV(FKind.Value, new FType(FKind.Value, "System.RuntimeTypeHandle"))); break;
                case ILOpCode.Initblk or ILOpCode.Cpblk: Pop(); Pop(); Pop(); break;
                case ILOpCode.Calli: fallsThrough = false; _failed = true; break; // refused by the opcode rules; its stack effect is not modelled

                default:
                    Fail(Rules.BadIl, $"'{Name(op)}' is not supported by the verifier", off);
                    return;
            }
        }
        catch (Underflow)
        {
            Fail(Rules.StackUnderflow, $"'{Name(op)}' needs more values than the stack holds", off);
            return;
        }
        if (_failed || !fallsThrough) return;
        if (i + 1 >= _code.Count) { Fail(Rules.FallThrough, "execution can run off the end of the method body", off); return; }
        if (st.Count > _body.MaxStack) { Fail(Rules.StackOverflow, $"the stack holds {st.Count} values, more than the declared maximum of {_body.MaxStack}", off); return; }
        Flow(i, i + 1, st, work);
    }

    private sealed class Underflow : Exception;

    private EntityHandle DeclaringTypeToken(EntityHandle method) => method.Kind switch
    {
        HandleKind.MethodDefinition => _cx.Md.GetMethodDefinition((MethodDefinitionHandle)method).GetDeclaringType(),
        HandleKind.MemberReference => _cx.Md.GetMemberReference((MemberReferenceHandle)method).Parent,
        _ => default,
    };

    private static string Name(ILOpCode op) => op == IlDecoder.NoPrefix ? "no." : IlDecoder.Info(op).Name!;

    // ---- Helpers: slots ------------------------------------------------------------------------------

    private SV? Arg(int n, int off)
    {
        if (n < _args.Count) return _args[n].Kind == FKind.ByRef && _taintedArgs.Contains(n) ? _args[n] with { Local = true } : _args[n];
        Fail(Rules.BadIl, $"argument {n} does not exist (the method has {_args.Count})", off);
        return null;
    }

    private FType? Local(int n, int off)
    {
        if (n < _locals.Count) return _locals[n];
        Fail(Rules.BadIl, $"local {n} does not exist (the method has {_locals.Count})", off);
        return null;
    }

    private SV? LocalValue(int n, int off) => Local(n, off) is { } t ? StackOf(t, _taintedLocals.Contains(n)) : null;

    private void StoreLocal(int n, SV v, int off)
    {
        if (Local(n, off) is not { } t) return;
        if (t.Kind == FKind.ByRef && v.Kind == FKind.ByRef && v.Local && _taintedLocals.Add(n)) _taintGrew = true;
        Expect(v, t, $"local {n}", off);
    }

    private void ExpectSlot(SV v, int arg, string what, int off) => Expect(v, _argTypes[arg], what, off);

    // (a) generic parameters: a value of type T may be used as any of T's class or interface constraints.
    private readonly Dictionary<string, List<FType>> _typeGenerics;
    private readonly Dictionary<string, List<FType>> _methodGenerics;

    private Dictionary<string, List<FType>> GenericConstraints(GenericParameterHandleCollection parameters, string prefix)
    {
        var result = new Dictionary<string, List<FType>>(StringComparer.Ordinal);
        if (parameters.Count == 0) return result;
        foreach (var gh in parameters)
        {
            var g = _cx.Md.GetGenericParameter(gh);
            var list = new List<FType>();
            foreach (var ch in g.GetConstraints())
                list.Add(_ts.FromToken(_cx.Md.GetGenericParameterConstraint(ch).Type, GenericContext.None));
            result[prefix + g.Index] = list;
        }
        return result;
    }

    // A reference (possibly a boxed generic parameter) used where `target` is expected.
    private bool RefOk(FType s, FType target) =>
        target.Id == "System.Object" || (s.Kind == FKind.Generic ? GenericAssignableToRef(s, target) : _ts.RefAssignable(s, target));

    private bool GenericAssignableToRef(FType generic, FType target)
    {
        if (target.Id == "System.Object") return false; // C# boxes T first; an unboxed T as object could be a value type
        var map = generic.Id.StartsWith("``", StringComparison.Ordinal) ? _methodGenerics : _typeGenerics;
        return map.TryGetValue(generic.Id, out var constraints)
            && constraints.Any(c => c.Kind == FKind.Ref && c.Id != "System.ValueType" && (c.Id == target.Id || _ts.RefAssignable(c, target)));
    }

    private SV? StackOf(FType t, bool local)
    {
        switch (t.Kind)
        {
            case FKind.Void: return null;
            case FKind.I4: return SV.I4;
            case FKind.I8: return SV.I8;
            case FKind.NI: return SV.NI;
            case FKind.F: return SV.F;
            case FKind.Ref: return SV.Ref(t);
            case FKind.ByRef: return SV.ByRef(t.Elem ?? FType.Object, local);
            case FKind.Value:
                return _ts.EnumKind(t) switch { FKind.I8 => SV.I8, FKind k when k != FKind.Value => SV.I4, _ => new SV(FKind.Value, t) };
            default: return new SV(FKind.Generic, t);
        }
    }

    // ---- Helpers: checks ------------------------------------------------------------------------------

    private bool Assignable(SV v, FType target)
    {
        var kind = target.Kind == FKind.Value && _ts.EnumKind(target) is { } ek ? ek : target.Kind;
        switch (kind)
        {
            case FKind.I4: return v.Kind == FKind.I4;
            case FKind.I8: return v.Kind == FKind.I8;
            case FKind.NI: return v.Kind is FKind.NI or FKind.I4;
            case FKind.F: return v.Kind == FKind.F;
            case FKind.Ref:
                if (v.Kind == FKind.Generic) return GenericAssignableToRef(v.T!, target);
                return v.Kind == FKind.Ref && v.RefTypes.All(s => RefOk(s, target));
            case FKind.ByRef: return v.Kind == FKind.ByRef && PointeeOk(v.T!, target.Elem!);
            case FKind.Value or FKind.Generic: return v.Kind == kind && v.T?.Id == target.Id;
            default: return true;
        }
    }

    private static readonly Dictionary<string, string> s_sameSize = new()
    {
        ["System.SByte"] = "1", ["System.Byte"] = "1", ["System.Boolean"] = "1", ["System.Int16"] = "2", ["System.UInt16"] = "2", ["System.Char"] = "2",
        ["System.Int32"] = "4", ["System.UInt32"] = "4", ["System.Int64"] = "8", ["System.UInt64"] = "8", ["System.IntPtr"] = "n", ["System.UIntPtr"] = "n",
    };

    private static bool PointeeOk(FType a, FType b) =>
        a.Id == b.Id || s_sameSize.TryGetValue(a.Id, out var x) && s_sameSize.TryGetValue(b.Id, out var y) && x == y;

    private void Expect(SV v, FType target, string what, int off, string rule = Rules.StackType)
    {
        if (Assignable(v, target)) return;
        if (v.Kind is FKind.I4 or FKind.I8 or FKind.NI && target.Kind is FKind.Ref or FKind.ByRef)
            Fail(Rules.StackType, $"{what} should be {target.Id} but is an integer: a reference forged from a number", off);
        else
            Fail(rule, $"{what} should be {target.Id} but is {v.Describe}", off);
    }

    private void ExpectPointee(SV addr, FType t, int off)
    {
        if (!PointeeOk(addr.T!, t) && !(t.Kind == FKind.Value && _ts.EnumKind(t) is { } k && FlowTypeProvider.PrimitiveKind(addr.T!.Id) == k))
            Fail(Rules.StackType, $"the address points to {addr.T!.Id}, not {t.Id}", off);
    }

    private bool IsWritableAddress(SV addr, int off)
    {
        if (!IsAddress(addr, off)) return false;
        if (!addr.ReadOnly) return true;
        Fail(Rules.ReadOnlyWrite, $"writes through a read-only reference to {addr.T?.Id} (e.g. a string's characters or a ReadOnlySpan element), memory that other code shares", off);
        return false;
    }

    private bool IsAddress(SV addr, int off)
    {
        if (addr.Kind == FKind.ByRef) return true;
        if (addr.Kind is FKind.I4 or FKind.NI or FKind.I8) Fail(Rules.Pointer, "uses an integer as a memory address (unmanaged pointer access)", off);
        else Fail(Rules.StackType, $"needs a managed reference (address), found {addr.Describe}", off);
        return false;
    }

    private void CheckInstance(SV obj, FType decl, string what, int off)
    {
        switch (obj.Kind)
        {
            case FKind.Ref when decl.Kind != FKind.Value:
                if (!obj.RefTypes.All(s => RefOk(s, decl))) Fail(Rules.StackType, $"{what} should be {decl.Id} but is {obj.Describe} (type confusion)", off);
                return;
            case FKind.ByRef when PointeeOk(obj.T!, decl) || obj.T!.Kind == FKind.Ref && decl.Kind == FKind.Ref && _ts.RefAssignable(obj.T!, decl):
                return;
            case FKind.Value when obj.T?.Id == decl.Id:
                return;
            case FKind.Generic when decl.Kind == FKind.Ref && GenericAssignableToRef(obj.T!, decl):
                return;
            case FKind.I4 or FKind.I8 or FKind.NI when decl.Kind == FKind.Ref:
                Fail(Rules.StackType, $"{what} should be {decl.Id} but is an integer: a reference forged from a number", off);
                return;
            case FKind.I4 or FKind.I8 or FKind.NI:
                Fail(Rules.Pointer, $"{what} is an integer used as an address (unmanaged pointer access)", off);
                return;
            default:
                Fail(Rules.StackType, $"{what} should be {decl.Id} but is {obj.Describe} (type confusion)", off);
                return;
        }
    }

    private SV? Arith(SV a, SV b, bool floats, ILOpCode op, int off)
    {
        if (a.Kind == FKind.ByRef || b.Kind == FKind.ByRef)
        {
            Fail(Rules.Pointer, $"'{Name(op)}' does arithmetic on a managed reference (pointer arithmetic); use indices into arrays or spans", off);
            return null;
        }
        if (a.Kind == b.Kind && (a.Kind is FKind.I4 or FKind.I8 or FKind.NI || floats && a.Kind == FKind.F)) return a;
        if (a.Kind is FKind.NI or FKind.I4 && b.Kind is FKind.NI or FKind.I4) return SV.NI;
        Fail(Rules.StackType, $"'{Name(op)}' cannot combine {a.Describe} and {b.Describe}", off);
        return null;
    }

    private void Compare(SV a, SV b, bool equality, int off)
    {
        bool ok = a.IsNumeric && b.IsNumeric && (a.Kind == b.Kind || a.Kind is FKind.I4 or FKind.NI && b.Kind is FKind.I4 or FKind.NI)
            || equality && a.Kind == FKind.Ref && b.Kind == FKind.Ref
            || equality && a.Kind == FKind.ByRef && b.Kind == FKind.ByRef;
        if (!ok) Fail(Rules.StackType, $"cannot compare {a.Describe} with {b.Describe}", off);
    }

    private void Index(SV idx, int off)
    {
        if (idx.Kind is not (FKind.I4 or FKind.NI)) Fail(Rules.StackType, $"an array index must be an integer, found {idx.Describe}", off);
    }

    private FType? Array(SV arr, int off)
    {
        if (arr.IsNull) return null;
        if (arr.Kind != FKind.Ref || !arr.RefTypes.All(t => t.IsArray))
        {
            Fail(Rules.StackType, $"needs an array, found {arr.Describe}", off);
            return null;
        }
        return arr.T!.Elem;
    }

    // What a typed load/store moves: 1, 2, 4, 8 bytes, native size, a float, or an object reference.
    private static string? AccessSize(ILOpCode op) => op switch
    {
        ILOpCode.Ldind_i1 or ILOpCode.Ldind_u1 or ILOpCode.Stind_i1 or ILOpCode.Ldelem_i1 or ILOpCode.Ldelem_u1 or ILOpCode.Stelem_i1 => "1",
        ILOpCode.Ldind_i2 or ILOpCode.Ldind_u2 or ILOpCode.Stind_i2 or ILOpCode.Ldelem_i2 or ILOpCode.Ldelem_u2 or ILOpCode.Stelem_i2 => "2",
        ILOpCode.Ldind_i4 or ILOpCode.Ldind_u4 or ILOpCode.Stind_i4 or ILOpCode.Ldelem_i4 or ILOpCode.Ldelem_u4 or ILOpCode.Stelem_i4 => "4",
        ILOpCode.Ldind_i8 or ILOpCode.Stind_i8 or ILOpCode.Ldelem_i8 or ILOpCode.Stelem_i8 => "8",
        ILOpCode.Ldind_i or ILOpCode.Stind_i or ILOpCode.Ldelem_i or ILOpCode.Stelem_i => "n",
        ILOpCode.Ldind_r4 or ILOpCode.Stind_r4 or ILOpCode.Ldelem_r4 or ILOpCode.Stelem_r4 => "r4",
        ILOpCode.Ldind_r8 or ILOpCode.Stind_r8 or ILOpCode.Ldelem_r8 or ILOpCode.Stelem_r8 => "r8",
        _ => "ref",
    };

    // A typed access must move exactly the bytes of what the reference or array holds: ldind.i8 through a
    // ref byte, or stelem.i4 into a byte[], would read or write past the end of it.
    private bool SizeMatches(ILOpCode op, FType target, string verb, int off)
    {
        string want = AccessSize(op)!;
        string id = _ts.EnumUnderlyingId(target) ?? target.Id;
        string? have = id switch
        {
            "System.Single" => "r4", "System.Double" => "r8",
            _ when s_sameSize.TryGetValue(id, out var size) => size,
            _ when target.Kind == FKind.Ref => "ref",
            _ => null,
        };
        if (have == want) return true;
        Fail(Rules.StackType, $"'{Name(op)}' {verb} {(want == "ref" ? "an object reference" : want + "-sized data")} from {target.Id}; the access must match the element type", off);
        return false;
    }

    private void ElementMatches(SV arr, FType t, int off)
    {
        foreach (var a in arr.RefTypes)
        {
            var elem = a.Elem!;
            bool ok = PointeeOk(elem, t) || elem.Kind == FKind.Ref && t.Kind == FKind.Ref && _ts.RefAssignable(elem, t)
                || _ts.EnumUnderlyingId(elem) is { } u && s_sameSize.TryGetValue(u, out var x) && s_sameSize.TryGetValue(t.Id, out var y) && x == y;
            if (!ok) { Fail(Rules.StackType, $"an array of {elem.Id} is accessed as {t.Id}", off); return; }
        }
    }

    private static SV ConvResult(ILOpCode op) => op switch
    {
        ILOpCode.Conv_i8 or ILOpCode.Conv_u8 or ILOpCode.Conv_ovf_i8 or ILOpCode.Conv_ovf_u8 or ILOpCode.Conv_ovf_i8_un or ILOpCode.Conv_ovf_u8_un => SV.I8,
        ILOpCode.Conv_i or ILOpCode.Conv_u or ILOpCode.Conv_ovf_i or ILOpCode.Conv_ovf_u or ILOpCode.Conv_ovf_i_un or ILOpCode.Conv_ovf_u_un => SV.NI,
        ILOpCode.Conv_r4 or ILOpCode.Conv_r8 or ILOpCode.Conv_r_un => SV.F,
        _ => SV.I4,
    };

    private static SV LdindResult(ILOpCode op) => op switch
    {
        ILOpCode.Ldind_i8 => SV.I8, ILOpCode.Ldind_i => SV.NI, ILOpCode.Ldind_r4 or ILOpCode.Ldind_r8 => SV.F, _ => SV.I4,
    };

    private static SV LdelemResult(ILOpCode op) => op switch
    {
        ILOpCode.Ldelem_i8 => SV.I8, ILOpCode.Ldelem_i => SV.NI, ILOpCode.Ldelem_r4 or ILOpCode.Ldelem_r8 => SV.F, _ => SV.I4,
    };

    private static FKind StindKind(ILOpCode op) => op switch
    {
        ILOpCode.Stind_i8 => FKind.I8, ILOpCode.Stind_i => FKind.NI, ILOpCode.Stind_r4 or ILOpCode.Stind_r8 => FKind.F, _ => FKind.I4,
    };

    private static string TokenHandleType(EntityHandle h) => h.Kind switch
    {
        HandleKind.FieldDefinition => "System.RuntimeFieldHandle",
        HandleKind.MethodDefinition or HandleKind.MethodSpecification => "System.RuntimeMethodHandle",
        HandleKind.MemberReference => "System.RuntimeMethodHandle",
        _ => "System.RuntimeTypeHandle",
    };

    private FType TypeToken(Instruction ins) => _ts.FromToken(ins.Token, GenericContext.None);

    // ---- Members -------------------------------------------------------------------------------------

    private (FType Decl, FType Type, bool IsStatic) Field(EntityHandle token)
    {
        var md = _cx.Md;
        if (token.Kind == HandleKind.FieldDefinition)
        {
            var f = md.GetFieldDefinition((FieldDefinitionHandle)token);
            return (_ts.SelfType(f.GetDeclaringType()), f.DecodeSignature(FlowTypeProvider.Instance, GenericContext.None), (f.Attributes & FieldAttributes.Static) != 0);
        }
        var mr = md.GetMemberReference((MemberReferenceHandle)token);
        var parent = _ts.FromToken(mr.Parent, GenericContext.None);
        var gc = new GenericContext(parent.Args.IsDefault ? ImmutableArray<FType>.Empty : parent.Args, ImmutableArray<FType>.Empty);
        var ft = mr.DecodeFieldSignature(FlowTypeProvider.Instance, gc);
        bool isStatic = _ts.IsStaticField(mr, parent);
        return (parent, ft, isStatic);
    }

    private (FType Decl, MethodSignature<FType> Sig, string Name)? ResolveMethod(EntityHandle token)
    {
        var md = _cx.Md;
        var methodArgs = ImmutableArray<FType>.Empty;
        if (token.Kind == HandleKind.MethodSpecification)
        {
            var spec = md.GetMethodSpecification((MethodSpecificationHandle)token);
            methodArgs = spec.DecodeSignature(FlowTypeProvider.Instance, GenericContext.None);
            token = spec.Method;
        }
        if (token.Kind == HandleKind.MethodDefinition)
        {
            var def = md.GetMethodDefinition((MethodDefinitionHandle)token);
            return (_ts.SelfType(def.GetDeclaringType()),
                def.DecodeSignature(FlowTypeProvider.Instance, new GenericContext(ImmutableArray<FType>.Empty, methodArgs)), md.GetString(def.Name));
        }
        if (token.Kind == HandleKind.MemberReference)
        {
            var mr = md.GetMemberReference((MemberReferenceHandle)token);
            var decl = _ts.FromToken(mr.Parent, GenericContext.None);
            var gc = new GenericContext(decl.Args.IsDefault ? ImmutableArray<FType>.Empty : decl.Args, methodArgs);
            return (decl, mr.DecodeMethodSignature(FlowTypeProvider.Instance, gc), md.GetString(mr.Name));
        }
        return null;
    }

    // ldftn/ldvirtftn M; newobj D::.ctor - M must have D.Invoke's signature (with C#'s reference variance),
    // and the target object must suit M; otherwise the delegate is a type-confused call.
    private void CheckDelegateConstruction(Instruction ftn, FType del, List<SV> st, int off)
    {
        if (ResolveMethod(ftn.Token) is not { } target) { Fail(Rules.BadIl, "'ldftn' operand is not a method", ftn.Offset); return; }
        if (_ts.DelegateInvoke(del) is not { } invoke) { Fail(Rules.StackType, $"cannot find {del.Id}.Invoke to check the delegate's signature", off); return; }
        if (st.Count < 2) return; // underflow is reported by the caller
        var obj = st[^2];
        var tp = target.Sig.ParameterTypes;
        int skip = 0;
        if (target.Sig.Header.IsInstance)
        {
            bool boxedValue = target.Decl.Kind == FKind.Value && obj.Kind == FKind.Ref && obj.RefTypes.All(t => t.Id == target.Decl.Id);
            if (!boxedValue) CheckInstance(obj, target.Decl, $"the target object of a {del.Id} over {target.Decl.Id}.{target.Name}", off);
        }
        else if (tp.Length == invoke.Params.Length + 1)
        {
            // A delegate closed over a static method's first argument (C# extension-method delegates).
            Expect(obj, tp[0], $"the first argument bound into a {del.Id}", off);
            skip = 1;
        }
        if (_failed) return;
        string what = $"{target.Decl.Id}.{target.Name} does not match {del.Id}.Invoke";
        if (tp.Length - skip != invoke.Params.Length) { Fail(Rules.StackType, $"{what}: {tp.Length - skip} parameter(s) instead of {invoke.Params.Length}", off); return; }
        for (int k = 0; k < invoke.Params.Length; k++)
            if (!SignatureCompatible(invoke.Params[k], tp[k + skip]))
            {
                Fail(Rules.StackType, $"{what}: parameter {k + 1} is {tp[k + skip].Id}, the delegate passes {invoke.Params[k].Id} (type confusion)", off);
                return;
            }
        if (!SignatureCompatible(target.Sig.ReturnType, invoke.Return))
            Fail(Rules.StackType, $"{what}: it returns {target.Sig.ReturnType.Id}, the delegate promises {invoke.Return.Id} (type confusion)", off);
    }

    // `from` may flow into `to`: identical, or references related by assignability.
    private bool SignatureCompatible(FType from, FType to) =>
        from.Id == to.Id || from.Kind == FKind.Ref && to.Kind == FKind.Ref && _ts.RefAssignable(from, to);

    private void Call(Instruction ins, List<SV> st, EntityHandle? constrained, Func<SV> pop, Action<SV?> push)
    {
        int off = ins.Offset;
        if (ResolveMethod(ins.Token) is not { } resolved) { Fail(Rules.BadIl, "the call's operand is not a method", off); return; }
        var (decl, sig, name) = resolved;
        int index = _indexOf[off];
        if (ins.Op == ILOpCode.Newobj && index > 0 && _code[index - 1].Op is ILOpCode.Ldftn or ILOpCode.Ldvirtftn && _cx.Types.IsDelegate(DeclaringTypeToken(ins.Token)))
        {
            CheckDelegateConstruction(_code[index - 1], decl, st, off);
            if (_failed) return;
        }
        string callee = $"{decl.Id}.{name}";
        bool anyLocalByRef = false;
        for (int p = sig.ParameterTypes.Length - 1; p >= 0; p--)
        {
            var v = pop();
            // A ref the callee returns cannot point into an `out` argument: plugin methods are held to that rule
            // above, framework and Sdk methods are compiled by C#, which enforces it.
            anyLocalByRef |= v.Kind == FKind.ByRef && v.Local && !_ts.ParamIsOut(ins.Token, p);
            if (v.Kind == FKind.ByRef && v.ReadOnly && sig.ParameterTypes[p].Kind == FKind.ByRef && !sig.ParameterTypes[p].ReadOnly && !_ts.ParamAcceptsReadOnly(ins.Token, p))
            {
                Fail(Rules.ReadOnlyWrite, $"passes a read-only reference as writable 'ref' argument {p + 1} of {callee}", off);
                return;
            }
            // ReadOnlySpan<byte>(void*, int) over the image's constant data: the opcode rules allow only that exact shape.
            if (p == 0 && name == ".ctor" && decl.Open == "System.ReadOnlySpan`1" && sig.ParameterTypes[p].Id == "System.Void*" && v.Kind == FKind.ByRef && !v.Local) continue;
            Expect(v, sig.ParameterTypes[p], $"argument {p + 1} of {callee}", off);
            if (_failed) return;
        }
        if (ins.Op == ILOpCode.Newobj)
        {
            if (!sig.Header.IsInstance || name != ".ctor") { Fail(Rules.StackType, $"'newobj' needs a constructor, found {callee}", off); return; }
            push(decl.Kind == FKind.Value ? StackOf(decl, false) : SV.Ref(decl));
            return;
        }
        if (sig.Header.IsInstance)
        {
            // A struct's `this` is scoped (C# ref safety): a ref the callee returns cannot point into it, because the
            // callee is either verified by the same rule (plugin code) or a framework/Sdk API that obeys it.
            var self = pop();
            if (self.Kind == FKind.ByRef && self.ReadOnly && decl.Kind == FKind.Value && !_ts.IsReadOnlyMember(decl, ins.Token.Kind == HandleKind.MethodSpecification ? _cx.Md.GetMethodSpecification((MethodSpecificationHandle)ins.Token).Method : ins.Token))
            {
                Fail(Rules.ReadOnlyWrite, $"calls {callee}, which may modify its struct, on a read-only reference; copy the value first", off);
                return;
            }
            if (constrained is { } c)
            {
                var ct = _ts.FromToken(c, GenericContext.None);
                if (self.Kind != FKind.ByRef || !PointeeOk(self.T!, ct)) Fail(Rules.StackType, $"a constrained call needs a reference to {ct.Id}, found {self.Describe}", off);
            }
            else if (decl.Kind == FKind.Value)
            {
                if (self.Kind == FKind.Ref && self.RefTypes.All(t => t.Id == decl.Id)) { } // a boxed value: the runtime unboxes
                else if (self.Kind != FKind.ByRef || !PointeeOk(self.T!, decl))
                    Fail(self.IsNumeric && self.Kind != FKind.F ? Rules.Pointer : Rules.StackType,
                        $"'this' for {callee} should be a reference to {decl.Id} but is {self.Describe}", off);
            }
            else if (decl.IsArray) { if (self.Kind != FKind.Ref) Fail(Rules.StackType, $"'this' for {callee} should be an array, found {self.Describe}", off); }
            else CheckInstance(self, decl, $"'this' for {callee}", off);
        }
        if (_failed) return;
        var ret = sig.ReturnType;
        push(ret.Kind == FKind.ByRef ? SV.ByRef(ret.Elem ?? FType.Object, anyLocalByRef) with { ReadOnly = ret.ReadOnly } : StackOf(ret, false));
    }
}
