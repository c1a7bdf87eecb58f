using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;

namespace Switchboard.Host.Verification;

/// <summary>
/// Part 1 for references: every assembly, type and member the plugin names must be allowed by the
/// policy (Sdk members must exist and be public), and no signature may carry pointers, function
/// pointers or TypedReference.
/// </summary>
internal static class ReferenceRules
{
    // The one pointer-typed member C# emits in safe code: `ReadOnlySpan<byte> x = new byte[] {..}` reads
    // constant data from the image. The IL pass allows it only in that exact shape.
    internal const string RvaSpanCtor = "M:System.ReadOnlySpan`1.#ctor(System.Void*,System.Int32)";

    public static void Check(VerificationContext cx)
    {
        var md = cx.Md;
        var sdk = cx.Policy.Sdk;

        foreach (var ah in md.AssemblyReferences)
        {
            string name = md.GetString(md.GetAssemblyReference(ah).Name);
            if (!cx.Policy.IsAssemblyAllowed(name))
                cx.Report(Rules.AssemblyNotAllowed, $"references assembly '{name}', which plugins may not use; reference only the Sdk and the allowed framework assemblies (see plugin-policy.txt)");
        }
        if (md.GetTableRowCount(System.Reflection.Metadata.Ecma335.TableIndex.ModuleRef) > 0 || md.AssemblyFiles.Count > 0)
            cx.Report(Rules.MultiModule, "declares module references or extra files (multi-module assembly or native import); ship one module of IL only");
        foreach (var eh in md.ExportedTypes)
            cx.Report(Rules.MultiModule, $"forwards or exports type '{md.GetString(md.GetExportedType(eh).Name)}'; plugins may not forward types");

        foreach (var th in md.TypeReferences)
        {
            string typeId = DocIdProvider.TypeName(md, th);
            var (scope, ns) = Outermost(md, th);
            cx.NamespaceOf.TryAdd(typeId, ns);
            string? asm = scope.Kind == HandleKind.AssemblyReference
                ? md.GetString(md.GetAssemblyReference((AssemblyReferenceHandle)scope).Name) : null;
            if (scope.Kind == HandleKind.ModuleReference) { cx.BadReferences[th] = (Rules.MultiModule, $"type '{typeId}' comes from another module"); continue; }
            if (asm == null) continue; // the plugin's own module
            if (sdk != null && string.Equals(asm, sdk.Name, StringComparison.OrdinalIgnoreCase))
            {
                if (!sdk.Types.Contains(typeId))
                    cx.BadReferences[th] = (Rules.SdkNotPublic, $"'{typeId}' is not a public type of the Sdk; use only the Sdk's public API");
                continue;
            }
            var (allowed, deny) = cx.Policy.Decide(null, typeId, ns);
            if (deny is { } d) cx.BadReferences[th] = (d.Rule, $"uses '{typeId}': {d.Message}");
            else if (!allowed) cx.BadReferences[th] = NotAllowed(cx, asm, $"type '{typeId}'");
            else if (cx.Types.Runtime(th) is { IsVisible: false })
                cx.BadReferences[th] = (Rules.NotPublic, $"'{typeId}' is not a public framework type; plugins may use public APIs only");
        }

        foreach (var mh in md.MemberReferences) CheckMember(cx, mh);

        for (int row = 1; row <= md.GetTableRowCount(TableIndex.MethodSpec); row++)
        {
            var sh = MetadataTokens.MethodSpecificationHandle(row);
            var spec = md.GetMethodSpecification(sh);
            foreach (var arg in spec.DecodeSignature(DocIdProvider.Instance, null))
                if (Hazard(arg.Flags) is { } h) cx.BadReferences[sh] = (h.Rule, $"instantiates a generic method with '{arg.Id}': {h.Message}");
        }
        for (int row = 1; row <= md.GetTableRowCount(System.Reflection.Metadata.Ecma335.TableIndex.TypeSpec); row++)
        {
            var ts = System.Reflection.Metadata.Ecma335.MetadataTokens.TypeSpecificationHandle(row);
            var t = md.GetTypeSpecification(ts).DecodeSignature(DocIdProvider.Instance, null);
            if (Hazard(t.Flags) is { } h) cx.BadReferences[ts] = (h.Rule, $"uses type '{t.Id}': {h.Message}");
        }
    }

    private static void CheckMember(VerificationContext cx, MemberReferenceHandle mh)
    {
        var md = cx.Md;
        var m = md.GetMemberReference(mh);
        string name = md.GetString(m.Name);
        if (m.Parent.Kind is HandleKind.ModuleReference or HandleKind.MethodDefinition)
        {
            cx.BadReferences[mh] = (Rules.MultiModule, $"'{name}' refers to a global or vararg method of another module");
            return;
        }
        var parent = DocIdProvider.TypeOf(md, m.Parent);
        string typeId = parent.OpenId;
        string memberId;
        SigFlags flags = parent.Flags;
        if (m.GetKind() == MemberReferenceKind.Method)
        {
            var sig = m.DecodeMethodSignature(DocIdProvider.Instance, null);
            memberId = DocIdProvider.MethodId(typeId, name, sig.GenericParameterCount, sig);
            flags |= sig.ReturnType.Flags;
            foreach (var p in sig.ParameterTypes) flags |= p.Flags;
            if (sig.Header.CallingConvention == SignatureCallingConvention.VarArgs)
            {
                cx.BadReferences[mh] = (Rules.ForbiddenOpcode, $"'{memberId}' is a vararg call (arglist), which plugins may not use");
                return;
            }
        }
        else
        {
            var ft = m.DecodeFieldSignature(DocIdProvider.Instance, null);
            memberId = DocIdProvider.FieldId(typeId, name);
            flags |= ft.Flags;
        }

        // Members of the plugin's own types (and their instantiations) and of arrays need no policy line.
        string? asm = AssemblyOf(md, m.Parent);
        if (asm == null)
        {
            if (Hazard(flags) is { } oh) cx.BadReferences[mh] = (oh.Rule, $"'{memberId}': {oh.Message}");
            return;
        }
        string ns = cx.NamespaceOf.GetValueOrDefault(typeId, "");
        var sdk = cx.Policy.Sdk;
        if (sdk != null && string.Equals(asm, sdk.Name, StringComparison.OrdinalIgnoreCase))
        {
            if (!sdk.Members.Contains(memberId))
                cx.BadReferences[mh] = (Rules.SdkNotPublic, $"'{memberId}' is not a public member of the Sdk; use only the Sdk's public API");
            else if (Hazard(flags) is { } sh) cx.BadReferences[mh] = (sh.Rule, $"'{memberId}': {sh.Message}");
            return;
        }
        var (allowed, deny) = cx.Policy.Decide(memberId, typeId, ns);
        if (deny is { } d) cx.BadReferences[mh] = (d.Rule, $"uses '{memberId}': {d.Message}");
        else if (!allowed) cx.BadReferences[mh] = NotAllowed(cx, asm, $"'{memberId}'");
        else if (!FrameworkMemberVisible(cx, m, name))
            cx.BadReferences[mh] = (Rules.NotPublic, $"'{memberId}' is not a public (or protected) framework member; plugins may use public APIs only");
        else if (memberId != RvaSpanCtor && Hazard(flags) is { } h) cx.BadReferences[mh] = (h.Rule, $"'{memberId}': {h.Message}");
    }

    private static (string Rule, string Message) NotAllowed(VerificationContext cx, string? asm, string what) =>
        asm != null && !cx.Policy.IsAssemblyAllowed(asm)
            ? (Rules.AssemblyNotAllowed, $"uses {what} from assembly '{asm}', which plugins may not reference")
            : (Rules.ApiNotAllowed, $"uses {what}, which is not on the plugin allow-list (plugin-policy.txt); use the Sdk or an allowed framework API instead");

    // The runtime checks access too; checking here gives the vendor a clear reason before anything loads.
    // Overloads are matched by name: if any same-named member is visible the reference is let through.
    private static bool FrameworkMemberVisible(VerificationContext cx, MemberReference m, string name)
    {
        var parent = m.Parent;
        if (parent.Kind == HandleKind.TypeSpecification) parent = SpecHead(cx.Md, (TypeSpecificationHandle)parent);
        if (cx.Types.Runtime(parent) is not { } rt) return true; // unresolvable names fail at load; the policy already vetted them
        return s_visible.GetOrAdd((rt, name, m.GetKind() == MemberReferenceKind.Field), static k => Visible(k.Type, k.Name, k.Field));
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(Type Type, string Name, bool Field), bool> s_visible = new();

    private static bool Visible(Type rt, string name, bool field)
    {
        const System.Reflection.BindingFlags all = System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic
            | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.DeclaredOnly;
        if (field)
            return rt.GetField(name, all) is not { } f || f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly;
        var members = rt.GetMember(name, System.Reflection.MemberTypes.Method | System.Reflection.MemberTypes.Constructor, all);
        return members.Length == 0 || members.OfType<System.Reflection.MethodBase>().Any(b => b.IsPublic || b.IsFamily || b.IsFamilyOrAssembly);
    }

    internal static (string Rule, string Message)? Hazard(SigFlags f)
    {
        if ((f & SigFlags.FunctionPointer) != 0) return (Rules.FunctionPointer, "function pointers are not allowed in plugins; use a delegate or a generic struct");
        if ((f & SigFlags.Pointer) != 0) return (Rules.Pointer, "pointers are not allowed in plugins; use Span<T> or the Sdk's packet views");
        if ((f & SigFlags.TypedReference) != 0) return (Rules.TypedReference, "TypedReference is not allowed in plugins");
        if ((f & SigFlags.Pinned) != 0) return (Rules.PinnedLocal, "pinned locals are not allowed in plugins");
        return null;
    }

    private static (EntityHandle Scope, string Namespace) Outermost(MetadataReader md, TypeReferenceHandle th)
    {
        var t = md.GetTypeReference(th);
        while (t.ResolutionScope.Kind == HandleKind.TypeReference) t = md.GetTypeReference((TypeReferenceHandle)t.ResolutionScope);
        return (t.ResolutionScope, md.GetString(t.Namespace));
    }

    /// <summary>The assembly a type token comes from (null for the plugin's own types).</summary>
    internal static string? AssemblyOf(MetadataReader md, EntityHandle type)
    {
        switch (type.Kind)
        {
            case HandleKind.TypeReference:
                var (scope, _) = Outermost(md, (TypeReferenceHandle)type);
                return scope.Kind == HandleKind.AssemblyReference ? md.GetString(md.GetAssemblyReference((AssemblyReferenceHandle)scope).Name) : null;
            case HandleKind.TypeSpecification:
                var head = SpecHead(md, (TypeSpecificationHandle)type);
                return head.IsNil ? null : AssemblyOf(md, head);
            default: return null;
        }
    }

    /// <summary>The generic type a TypeSpec instantiates (nil for arrays, pointers, generic parameters).</summary>
    internal static EntityHandle SpecHead(MetadataReader md, TypeSpecificationHandle ts)
    {
        var blob = md.GetBlobReader(md.GetTypeSpecification(ts).Signature);
        var code = blob.ReadSignatureTypeCode();
        if (code != SignatureTypeCode.GenericTypeInstance) return default;
        blob.ReadSignatureTypeCode(); // class / valuetype
        return blob.ReadTypeHandle();
    }
}
