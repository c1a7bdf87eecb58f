using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Switchboard.Host.Verification;

/// <summary>
/// Part 1 for what the plugin itself declares: image kind, layouts, fields, method kinds, signatures,
/// and attributes that change how the runtime treats code (skip-locals-init, module initialisers,
/// unsafe accessors, access-check bypass, fixed buffers).
/// </summary>
internal static class DefinitionRules
{
    public static void CheckImage(VerificationContext cx)
    {
        var cor = cx.Pe.PEHeaders.CorHeader!;
        if ((cor.Flags & CorFlags.ILOnly) == 0 || (cor.Flags & CorFlags.NativeEntryPoint) != 0)
            cx.Report(Rules.MixedMode, "the image contains native code (not IL-only); build the plugin as a pure managed library");
        if (cor.ManagedNativeHeaderDirectory.Size != 0)
            cx.Report(Rules.MixedMode, "the image carries precompiled native code (ReadyToRun), which would run instead of the verified IL; build without PublishReadyToRun");
        if (cx.Policy.Sdk is { } sdk && sdk.Friends.Contains(cx.AssemblyName))
            cx.Report(Rules.FriendName, $"the assembly is named '{cx.AssemblyName}', a name the Sdk trusts with its internals; choose another assembly name");
    }

    public static void CheckTypes(VerificationContext cx)
    {
        var md = cx.Md;
        bool first = true;
        foreach (var th in md.TypeDefinitions)
        {
            var t = md.GetTypeDefinition(th);
            string typeId = DocIdProvider.TypeName(md, th);
            if (first)
            {
                // Row 1 is <Module>: a static constructor there runs when the assembly loads.
                first = false;
                foreach (var mh in t.GetMethods())
                    if (md.GetString(md.GetMethodDefinition(mh).Name) == ".cctor")
                        cx.Report(Rules.ModuleInitializer, "the module has an initialiser (<Module>..cctor) that would run on load; do set-up in INetworkFunction.Build", typeId, ".cctor()");
            }
            if (md.GetString(t.Name) == "IgnoresAccessChecksToAttribute")
                cx.Report(Rules.IgnoresAccessChecks, "declares IgnoresAccessChecksToAttribute, which makes the runtime skip access checks; remove it", typeId);
            // Explicit layout without instance fields (the compiler's constant-data blobs) overlaps nothing.
            if ((t.Attributes & TypeAttributes.LayoutMask) == TypeAttributes.ExplicitLayout
                && t.GetFields().Any(f => (md.GetFieldDefinition(f).Attributes & FieldAttributes.Static) == 0))
                cx.Report(Rules.ExplicitLayout, "explicit struct layout can overlap references with other data; use sequential layout", typeId);

            foreach (var fh in t.GetFields())
            {
                var f = md.GetFieldDefinition(fh);
                var ft = f.DecodeSignature(DocIdProvider.Instance, null);
                string field = md.GetString(f.Name);
                if ((ft.Flags & SigFlags.ByRef) != 0)
                    cx.Report(Rules.RefField, $"field '{field}' is a ref field; store an index or an array segment instead", typeId);
                else if (ReferenceRules.Hazard(ft.Flags) is { } h)
                    cx.Report(h.Rule, $"field '{field}' has type '{ft.Id}': {h.Message}", typeId);
            }

            foreach (var mh in t.GetMethods()) CheckMethod(cx, th, mh);
        }
    }

    private static void CheckMethod(VerificationContext cx, TypeDefinitionHandle th, MethodDefinitionHandle mh)
    {
        var md = cx.Md;
        var m = md.GetMethodDefinition(mh);
        string name = md.GetString(m.Name);
        var sig = m.DecodeSignature(DocIdProvider.Instance, null);
        var impl = m.ImplAttributes;

        if ((m.Attributes & MethodAttributes.PinvokeImpl) != 0)
            cx.Report(Rules.PInvoke, "is a P/Invoke (DllImport) method; plugins may not call native code", mh);
        else if ((impl & MethodImplAttributes.InternalCall) != 0 || (impl & MethodImplAttributes.CodeTypeMask) is MethodImplAttributes.Native or MethodImplAttributes.OPTIL)
            cx.Report(Rules.PInvoke, "is implemented outside IL (internal call or native); plugins may contain IL methods only", mh);
        else if ((impl & MethodImplAttributes.CodeTypeMask) == MethodImplAttributes.Runtime && !IsDelegate(cx, th))
            cx.Report(Rules.PInvoke, "claims a runtime-provided implementation, which only delegate types may", mh);
        else if (m.RelativeVirtualAddress == 0 && (m.Attributes & MethodAttributes.Abstract) == 0 && (impl & MethodImplAttributes.CodeTypeMask) != MethodImplAttributes.Runtime)
            cx.Report(Rules.PInvoke, "is extern (no body); plugins may contain IL methods only", mh);

        if (name == "Finalize" && sig.ParameterTypes.Length == 0 && (m.Attributes & MethodAttributes.Virtual) != 0)
            cx.Report(Rules.Finalizer, "declares a finalizer, which runs on the GC's thread at an unknown time; release resources explicitly", mh);

        var flags = sig.ReturnType.Flags;
        foreach (var p in sig.ParameterTypes) flags |= p.Flags;
        if (ReferenceRules.Hazard(flags) is { } h) cx.Report(h.Rule, "its signature is not allowed: " + h.Message, mh);
    }

    private static bool IsDelegate(VerificationContext cx, TypeDefinitionHandle th)
    {
        var baseType = cx.Md.GetTypeDefinition(th).BaseType;
        return !baseType.IsNil && DocIdProvider.TypeOf(cx.Md, baseType).Id == "System.MulticastDelegate";
    }

    /// <summary>Attributes with a runtime effect are reported where they are applied.</summary>
    public static void CheckAttributes(VerificationContext cx)
    {
        var md = cx.Md;
        foreach (var ah in md.CustomAttributes)
        {
            var a = md.GetCustomAttribute(ah);
            string type = SdkSurface.AttributeTypeName(md, a);
            string simple = type[(type.LastIndexOf('.') + 1)..];
            (string Rule, string Message)? hit = type switch
            {
                "System.Runtime.CompilerServices.SkipLocalsInitAttribute" => (Rules.SkipLocalsInit, "[SkipLocalsInit] exposes uninitialised stack memory; remove it"),
                "System.Runtime.CompilerServices.ModuleInitializerAttribute" => (Rules.ModuleInitializer, "[ModuleInitializer] runs code on load; do set-up in INetworkFunction.Build"),
                "System.Runtime.CompilerServices.UnsafeAccessorAttribute" or "System.Runtime.CompilerServices.UnsafeAccessorTypeAttribute"
                    => (Rules.UnsafeAccessor, "[UnsafeAccessor] reaches private members of other assemblies; use the Sdk's public API"),
                "System.Runtime.CompilerServices.FixedBufferAttribute" => (Rules.FixedBuffer, "fixed-size buffers are unsafe code; use an array or an [InlineArray] struct indexed safely"),
                "System.Security.UnverifiableCodeAttribute" => (Rules.UnverifiableCode, "the module was compiled with unsafe code allowed; build without AllowUnsafeBlocks"),
                "System.Runtime.InteropServices.DllImportAttribute" or "System.Runtime.InteropServices.LibraryImportAttribute"
                    => (Rules.PInvoke, "declares a native import; plugins may not call native code"),
                "System.Runtime.InteropServices.UnmanagedCallersOnlyAttribute" => (Rules.PInvoke, "[UnmanagedCallersOnly] methods are native entry points; remove it"),
                _ when simple == "IgnoresAccessChecksToAttribute" => (Rules.IgnoresAccessChecks, "IgnoresAccessChecksTo makes the runtime skip access checks; remove it"),
                _ => null,
            };
            if (hit is not { } r) continue;
            cx.ReportedAtUse.Add(a.Constructor);
            var (typeName, method) = Where(cx, a.Parent);
            cx.Report(r.Rule, r.Message, typeName, method);
        }
    }

    private static (string? Type, string? Method) Where(VerificationContext cx, EntityHandle parent)
    {
        var md = cx.Md;
        switch (parent.Kind)
        {
            case HandleKind.MethodDefinition:
                var mh = (MethodDefinitionHandle)parent;
                return (cx.TypeNameOf(mh), cx.MethodName(mh));
            case HandleKind.TypeDefinition:
                return (DocIdProvider.TypeName(md, (TypeDefinitionHandle)parent), null);
            case HandleKind.FieldDefinition:
                var f = md.GetFieldDefinition((FieldDefinitionHandle)parent);
                return (DocIdProvider.TypeName(md, f.GetDeclaringType()), null);
            default:
                return (null, null);
        }
    }

    internal static bool IsAtRowOne(TypeDefinitionHandle th) => MetadataTokens.GetRowNumber(th) == 1;
}
