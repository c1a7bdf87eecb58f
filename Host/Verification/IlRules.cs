using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;

namespace Switchboard.Host.Verification;

/// <summary>
/// Part 2: per method body, forbidden opcodes, function pointers outside delegate construction,
/// pinned/pointer locals, skipped local initialisation, and uses of references that broke the
/// policy (reported at the method and IL offset that uses them). Collects call-graph edges.
/// </summary>
internal static class IlRules
{
    private static readonly HashSet<ILOpCode> s_forbidden =
    [
        ILOpCode.Localloc, ILOpCode.Calli, ILOpCode.Cpblk, ILOpCode.Initblk, ILOpCode.Jmp, ILOpCode.Arglist,
        ILOpCode.Mkrefany, ILOpCode.Refanyval, ILOpCode.Refanytype, ILOpCode.Tail, IlDecoder.NoPrefix,
    ];

    private static string OpName(ILOpCode op) => op switch
    {
        IlDecoder.NoPrefix => "no.",
        ILOpCode.Tail => "tail.",
        _ => IlDecoder.Info(op).Name!,
    };

    private static string Why(ILOpCode op) => op switch
    {
        ILOpCode.Localloc => "allocates raw stack memory (C# stackalloc); use an array or a pooled buffer",
        ILOpCode.Calli => "calls through a raw function pointer; use a delegate or a generic struct",
        ILOpCode.Cpblk or ILOpCode.Initblk => "copies or fills raw memory; use Span<T>.CopyTo or Fill",
        ILOpCode.Jmp => "jumps into another method with this frame",
        ILOpCode.Arglist => "reads raw variable arguments; use params arrays",
        ILOpCode.Mkrefany or ILOpCode.Refanyval or ILOpCode.Refanytype => "uses TypedReference (__makeref/__refvalue)",
        ILOpCode.Tail => "a tail call can pass a reference into a frame that no longer exists (C# never emits it; turn tail calls off)",
        _ => "skips the runtime's type, range or null checks",
    };

    /// <summary>Check one body; returns the instructions (for later passes) and adds call edges.</summary>
    public static List<Instruction>? Check(VerificationContext cx, MethodDefinitionHandle mh, MethodBodyBlock body, CallGraph graph)
    {
        var md = cx.Md;
        if (!body.LocalSignature.IsNil)
        {
            var locals = md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(DocIdProvider.Instance, null);
            for (int i = 0; i < locals.Length; i++)
                if (ReferenceRules.Hazard(locals[i].Flags) is { } h)
                    cx.Report(h.Rule, $"local {i} has type '{locals[i].Id}': {h.Message}", mh);
            if (locals.Length > 0 && !body.LocalVariablesInitialized)
                cx.Report(Rules.SkipLocalsInit, "the method does not zero its locals (SkipLocalsInit), exposing old stack contents; remove [SkipLocalsInit]", mh);
        }

        List<Instruction> code;
        try { code = IlDecoder.Decode(body.GetILReader()); }
        catch (InvalidIlException e) { cx.Report(Rules.BadIl, e.Message, mh, e.Offset); return null; }

        var targets = BranchTargets(code);
        for (int i = 0; i < code.Count; i++)
        {
            var ins = code[i];
            if (s_forbidden.Contains(ins.Op))
                cx.Report(Rules.ForbiddenOpcode, $"'{OpName(ins.Op)}' {Why(ins.Op)}", mh, ins.Offset);

            if (ins.OperandType is System.Reflection.Emit.OperandType.InlineMethod or System.Reflection.Emit.OperandType.InlineField
                or System.Reflection.Emit.OperandType.InlineType or System.Reflection.Emit.OperandType.InlineTok or System.Reflection.Emit.OperandType.InlineSig)
                CheckTokenUse(cx, mh, code, i, targets);

            if (ins.Op is ILOpCode.Ldftn or ILOpCode.Ldvirtftn)
            {
                bool ok = i + 1 < code.Count && code[i + 1].Op == ILOpCode.Newobj && IsDelegateCtor(cx, code[i + 1].Token) && !targets.Contains(code[i + 1].Offset);
                if (!ok)
                    cx.Report(Rules.FunctionPointerLoad, $"'{OpName(ins.Op)}' must be followed directly by 'newobj' of a delegate constructor; raw function pointers are not allowed", mh, ins.Offset);
            }
            if (ins.Op is ILOpCode.Newobj or ILOpCode.Call or ILOpCode.Callvirt && IsDelegateCtor(cx, ins.Token))
            {
                bool fromFtn = ins.Op == ILOpCode.Newobj && i > 0 && code[i - 1].Op is ILOpCode.Ldftn or ILOpCode.Ldvirtftn;
                if (!fromFtn)
                    cx.Report(Rules.FunctionPointerLoad, "a delegate may only be constructed from 'ldftn'/'ldvirtftn' immediately before 'newobj'; a function pointer from anywhere else is forged", mh, ins.Offset);
            }

            if (ins.Op is ILOpCode.Call or ILOpCode.Callvirt or ILOpCode.Newobj or ILOpCode.Ldftn or ILOpCode.Ldvirtftn)
                graph.AddCall(mh, ins.Token, ins.Offset, virtualDispatch: ins.Op is ILOpCode.Callvirt or ILOpCode.Ldvirtftn);
        }
        return code;
    }

    internal static HashSet<int> BranchTargets(List<Instruction> code)
    {
        var set = new HashSet<int>();
        foreach (var ins in code)
        {
            if (ins.IsBranch) set.Add((int)ins.Operand);
            if (ins.Targets != null) foreach (var t in ins.Targets) set.Add(t);
        }
        return set;
    }

    private static void CheckTokenUse(VerificationContext cx, MethodDefinitionHandle mh, List<Instruction> code, int i, HashSet<int> targets)
    {
        var ins = code[i];
        EntityHandle token;
        try { token = ins.Token; }
        catch (ArgumentException) { cx.Report(Rules.BadIl, "operand is not a valid metadata token", mh, ins.Offset); return; }
        foreach (var h in Related(cx.Md, token))
        {
            if (!cx.BadReferences.TryGetValue(h, out var bad))
            {
                if (h.Kind == HandleKind.MemberReference && IsRvaSpanCtor(cx, (MemberReferenceHandle)h) && !RvaSpanPatternOk(cx, code, i, targets))
                    cx.Report(Rules.Pointer, $"'{ReferenceRules.RvaSpanCtor}' may only wrap constant data of this assembly (ldsflda of an RVA field; ldc.i4 length; newobj)", mh, ins.Offset);
                continue;
            }
            cx.ReportedAtUse.Add(h);
            string message = bad.Message;
            if (cx.TypeNameOf(mh) == "<PrivateImplementationDetails>" && cx.Md.GetString(cx.Md.GetMethodDefinition(mh).Name).StartsWith("InlineArray", StringComparison.Ordinal))
                message = "compiler-generated stack buffer for a params-span call or collection expression (e.g. string.Join(sep, a, b, c)); pass an array instead (new[] { a, b, c }). " + message;
            cx.Report(bad.Rule, message, mh, ins.Offset);
            return; // the most specific problem is enough at one place
        }
    }

    /// <summary>The token and what it is built from (a MethodSpec's method, a MemberRef's parent type).</summary>
    private static IEnumerable<EntityHandle> Related(MetadataReader md, EntityHandle token)
    {
        yield return token;
        if (token.Kind == HandleKind.MethodSpecification)
        {
            var m = md.GetMethodSpecification((MethodSpecificationHandle)token).Method;
            yield return m;
            token = m;
        }
        if (token.Kind == HandleKind.MemberReference)
        {
            var parent = md.GetMemberReference((MemberReferenceHandle)token).Parent;
            yield return parent;
            if (parent.Kind == HandleKind.TypeSpecification && ReferenceRules.SpecHead(md, (TypeSpecificationHandle)parent) is { IsNil: false } head)
                yield return head;
        }
        if (token.Kind == HandleKind.TypeSpecification && ReferenceRules.SpecHead(md, (TypeSpecificationHandle)token) is { IsNil: false } th)
            yield return th;
    }

    private static bool IsRvaSpanCtor(VerificationContext cx, MemberReferenceHandle h)
    {
        var m = cx.Md.GetMemberReference(h);
        if (cx.Md.GetString(m.Name) != ".ctor" || m.GetKind() != MemberReferenceKind.Method) return false;
        var sig = m.DecodeMethodSignature(DocIdProvider.Instance, null);
        string typeId = DocIdProvider.TypeOf(cx.Md, m.Parent).OpenId;
        return DocIdProvider.MethodId(typeId, ".ctor", 0, sig) == ReferenceRules.RvaSpanCtor;
    }

    // ldsflda <RVA field>; ldc.i4 n; newobj ReadOnlySpan<byte-sized T>(void*, int) with n within the field's data.
    private static bool RvaSpanPatternOk(VerificationContext cx, List<Instruction> code, int i, HashSet<int> targets)
    {
        var md = cx.Md;
        if (code[i].Op != ILOpCode.Newobj || i < 2) return false;
        var (ld, len) = (code[i - 2], code[i - 1]);
        if (ld.Op != ILOpCode.Ldsflda || ld.Token.Kind != HandleKind.FieldDefinition) return false;
        if (targets.Contains(len.Offset) || targets.Contains(code[i].Offset)) return false;
        long? n = len.Op switch
        {
            ILOpCode.Ldc_i4 or ILOpCode.Ldc_i4_s => len.Operand,
            >= ILOpCode.Ldc_i4_0 and <= ILOpCode.Ldc_i4_8 => len.Op - ILOpCode.Ldc_i4_0,
            _ => null,
        };
        if (n is not { } count || count < 0) return false;
        var field = md.GetFieldDefinition((FieldDefinitionHandle)ld.Token);
        if ((field.Attributes & FieldAttributes.HasFieldRVA) == 0) return false;
        var parent = md.GetMemberReference((MemberReferenceHandle)code[i].Token).Parent;
        if (parent.Kind != HandleKind.TypeSpecification) return false;
        string spanType = DocIdProvider.TypeOf(md, parent).Id;
        int elem = spanType switch
        {
            "System.ReadOnlySpan{System.Byte}" or "System.ReadOnlySpan{System.SByte}" or "System.ReadOnlySpan{System.Boolean}" => 1,
            _ => 0,
        };
        if (elem == 0) return false;
        return count * elem <= FieldDataSize(md, field);
    }

    private static long FieldDataSize(MetadataReader md, FieldDefinition field)
    {
        var blob = md.GetBlobReader(field.Signature);
        blob.ReadSignatureHeader();
        var code = blob.ReadSignatureTypeCode();
        switch (code)
        {
            case SignatureTypeCode.Byte or SignatureTypeCode.SByte or SignatureTypeCode.Boolean: return 1;
            case SignatureTypeCode.Int16 or SignatureTypeCode.UInt16 or SignatureTypeCode.Char: return 2;
            case SignatureTypeCode.Int32 or SignatureTypeCode.UInt32 or SignatureTypeCode.Single: return 4;
            case SignatureTypeCode.Int64 or SignatureTypeCode.UInt64 or SignatureTypeCode.Double: return 8;
            case SignatureTypeCode.TypeHandle:
                var th = blob.ReadTypeHandle();
                if (th.Kind != HandleKind.TypeDefinition) return 0;
                var layout = md.GetTypeDefinition((TypeDefinitionHandle)th).GetLayout();
                return layout.Size;
            default: return 0;
        }
    }

    /// <summary>Whether a method token is the constructor of a delegate type.</summary>
    internal static bool IsDelegateCtor(VerificationContext cx, EntityHandle token)
    {
        var md = cx.Md;
        EntityHandle type;
        string name;
        switch (token.Kind)
        {
            case HandleKind.MethodDefinition:
                var def = md.GetMethodDefinition((MethodDefinitionHandle)token);
                (type, name) = (def.GetDeclaringType(), md.GetString(def.Name));
                break;
            case HandleKind.MemberReference:
                var mr = md.GetMemberReference((MemberReferenceHandle)token);
                (type, name) = (mr.Parent, md.GetString(mr.Name));
                break;
            default: return false;
        }
        return name == ".ctor" && cx.Types.IsDelegate(type);
    }
}
