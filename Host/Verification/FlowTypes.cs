using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;

namespace Switchboard.Host.Verification;

/// <summary>Verification kinds on the evaluation stack (ECMA-335 III.1.1 reduced types).</summary>
internal enum FKind { I4, I8, NI, F, Ref, ByRef, Value, Generic, Void }

/// <summary>
/// A type as the type-flow check sees it: kind, id (<c>Ns.Outer.Name`1&lt;args&gt;</c>), element
/// (arrays, by-refs), generic arguments, and where its definition lives (plugin metadata or the host's runtime).
/// </summary>
internal sealed record FType(FKind Kind, string Id, FType? Elem = null, ImmutableArray<FType> Args = default, EntityHandle Head = default, string? OpenId = null)
{
    /// <summary>A <c>ref readonly</c> (modreq InAttribute): the memory behind it must not be written.</summary>
    public bool ReadOnly { get; init; }
    public string Open => OpenId ?? Id;
    public bool IsArray => Id.EndsWith(']');
    public override string ToString() => Id;

    public static readonly FType Object = new(FKind.Ref, "System.Object");
    public static readonly FType String = new(FKind.Ref, "System.String");
    public static readonly FType Int32 = new(FKind.I4, "System.Int32");
    public static readonly FType Int64 = new(FKind.I8, "System.Int64");
    public static readonly FType NInt = new(FKind.NI, "System.IntPtr");
    public static readonly FType Double = new(FKind.F, "System.Double");
    public static readonly FType Void = new(FKind.Void, "System.Void");
}

internal readonly record struct GenericContext(ImmutableArray<FType> TypeArgs, ImmutableArray<FType> MethodArgs)
{
    public static readonly GenericContext None = new(ImmutableArray<FType>.Empty, ImmutableArray<FType>.Empty);
}

/// <summary>Decodes signatures into <see cref="FType"/>s, substituting generic arguments from a context.</summary>
internal sealed class FlowTypeProvider : ISignatureTypeProvider<FType, GenericContext>
{
    public static readonly FlowTypeProvider Instance = new();

    private static readonly Dictionary<string, FKind> s_primitives = new()
    {
        ["System.Boolean"] = FKind.I4, ["System.Char"] = FKind.I4, ["System.SByte"] = FKind.I4, ["System.Byte"] = FKind.I4,
        ["System.Int16"] = FKind.I4, ["System.UInt16"] = FKind.I4, ["System.Int32"] = FKind.I4, ["System.UInt32"] = FKind.I4,
        ["System.Int64"] = FKind.I8, ["System.UInt64"] = FKind.I8, ["System.IntPtr"] = FKind.NI, ["System.UIntPtr"] = FKind.NI,
        ["System.Single"] = FKind.F, ["System.Double"] = FKind.F, ["System.String"] = FKind.Ref, ["System.Object"] = FKind.Ref,
        ["System.Void"] = FKind.Void,
    };

    public static FKind? PrimitiveKind(string id) => s_primitives.TryGetValue(id, out var k) ? k : null;

    public FType GetPrimitiveType(PrimitiveTypeCode code)
    {
        string id = "System." + code;
        return new FType(PrimitiveKind(id) ?? FKind.Value, id);
    }

    public FType GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) =>
        Named(DocIdProvider.TypeName(reader, handle), handle, rawTypeKind);

    public FType GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) =>
        Named(DocIdProvider.TypeName(reader, handle), handle, rawTypeKind);

    private static FType Named(string id, EntityHandle handle, byte rawTypeKind) =>
        new(PrimitiveKind(id) ?? (rawTypeKind == (byte)SignatureTypeKind.ValueType ? FKind.Value : FKind.Ref), id, Head: handle);

    public FType GetTypeFromSpecification(MetadataReader reader, GenericContext context, TypeSpecificationHandle handle, byte rawTypeKind) =>
        reader.GetTypeSpecification(handle).DecodeSignature(this, context);

    public FType GetSZArrayType(FType e) => new(FKind.Ref, e.Id + "[]", e);
    public FType GetArrayType(FType e, ArrayShape shape) => new(FKind.Ref, e.Id + "[" + new string(',', shape.Rank - 1) + "]", e);
    public FType GetByReferenceType(FType e) => new(FKind.ByRef, e.Id + "&", e);
    public FType GetPointerType(FType e) => new(FKind.NI, e.Id + "*", e);
    public FType GetFunctionPointerType(MethodSignature<FType> sig) => new(FKind.NI, "method*");
    public FType GetPinnedType(FType e) => e;
    public FType GetModifiedType(FType modifier, FType unmodified, bool isRequired) =>
        isRequired && unmodified.Kind == FKind.ByRef && modifier.Id == "System.Runtime.InteropServices.InAttribute" ? unmodified with { ReadOnly = true } : unmodified;

    public FType GetGenericInstantiation(FType generic, ImmutableArray<FType> args) =>
        new(generic.Kind, generic.Id + "<" + string.Join(",", args.Select(a => a.Id)) + ">", Args: args, Head: generic.Head, OpenId: generic.Id);

    public FType GetGenericTypeParameter(GenericContext context, int index) =>
        index < context.TypeArgs.Length ? context.TypeArgs[index] : new FType(FKind.Generic, "`" + index);

    public FType GetGenericMethodParameter(GenericContext context, int index) =>
        index < context.MethodArgs.Length ? context.MethodArgs[index] : new FType(FKind.Generic, "``" + index);
}

/// <summary>Type relations for the type-flow check: value-ness, enums, supertypes and assignability.</summary>
internal sealed class FlowTypeSystem(VerificationContext cx)
{
    private readonly MetadataReader _md = cx.Md;
    private readonly Dictionary<string, List<FType>?> _supers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FKind?> _enumKinds = new(StringComparer.Ordinal);

    /// <summary>The type a token names (ldtoken, box, newarr, castclass...), with its value-ness resolved.</summary>
    public FType FromToken(EntityHandle token, GenericContext gc)
    {
        switch (token.Kind)
        {
            case HandleKind.TypeSpecification:
                return _md.GetTypeSpecification((TypeSpecificationHandle)token).DecodeSignature(FlowTypeProvider.Instance, gc);
            case HandleKind.TypeDefinition:
            {
                var th = (TypeDefinitionHandle)token;
                string id = DocIdProvider.TypeName(_md, th);
                var prim = FlowTypeProvider.PrimitiveKind(id);
                var t = new FType(prim ?? (IsValueTypeDef(th) ? FKind.Value : FKind.Ref), id, Head: th);
                int arity = _md.GetTypeDefinition(th).GetGenericParameters().Count;
                return arity == 0 ? t : FlowTypeProvider.Instance.GetGenericInstantiation(t,
                    [.. Enumerable.Range(0, arity).Select(i => FlowTypeProvider.Instance.GetGenericTypeParameter(gc, i))]);
            }
            case HandleKind.TypeReference:
            {
                string id = DocIdProvider.TypeName(_md, (TypeReferenceHandle)token);
                var prim = FlowTypeProvider.PrimitiveKind(id);
                var rt = cx.Types.Runtime(token);
                return new FType(prim ?? (rt is { IsValueType: true } ? FKind.Value : FKind.Ref), id, Head: token);
            }
            default:
                return FType.Object;
        }
    }

    private bool IsValueTypeDef(TypeDefinitionHandle th)
    {
        var b = _md.GetTypeDefinition(th).BaseType;
        if (b.IsNil) return false;
        string id = DocIdProvider.TypeOf(_md, b).Id;
        return id is "System.ValueType" or "System.Enum";
    }

    /// <summary>Whether a field named by a MemberRef is static (from the plugin's own metadata or the runtime).</summary>
    public bool IsStaticField(MemberReference mr, FType parent)
    {
        string name = _md.GetString(mr.Name);
        if (parent.Head.Kind == HandleKind.TypeDefinition)
            foreach (var fh in _md.GetTypeDefinition((TypeDefinitionHandle)parent.Head).GetFields())
            {
                var f = _md.GetFieldDefinition(fh);
                if (_md.GetString(f.Name) == name) return (f.Attributes & FieldAttributes.Static) != 0;
            }
        var rt = parent.Head.Kind == HandleKind.TypeReference ? cx.Types.Runtime(parent.Head) : null;
        var fi = rt?.GetField(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly);
        return fi?.IsStatic ?? false;
    }

    /// <summary>The type of the declaring type of a method or field, as seen from inside it (its own generic parameters).</summary>
    public FType SelfType(TypeDefinitionHandle th) => FromToken(th, GenericContext.None);

    /// <summary>The underlying primitive's id of an enum (e.g. System.Byte), or null when the type is not an enum.</summary>
    public string? EnumUnderlyingId(FType t)
    {
        if (EnumKind(t) == null) return null;
        if (t.Head.Kind == HandleKind.TypeDefinition)
            foreach (var fh in _md.GetTypeDefinition((TypeDefinitionHandle)t.Head).GetFields())
            {
                var f = _md.GetFieldDefinition(fh);
                if ((f.Attributes & FieldAttributes.Static) == 0) return f.DecodeSignature(FlowTypeProvider.Instance, GenericContext.None).Id;
            }
        return cx.Types.Runtime(t.Head) is { IsEnum: true } rt ? Enum.GetUnderlyingType(rt).FullName : null;
    }

    /// <summary>The stack kind of an enum's underlying type, or null when the type is not an enum.</summary>
    public FKind? EnumKind(FType t)
    {
        if (t.Kind != FKind.Value) return null;
        if (_enumKinds.TryGetValue(t.Id, out var k)) return k;
        FKind? result = null;
        if (t.Head.Kind == HandleKind.TypeDefinition)
        {
            var td = _md.GetTypeDefinition((TypeDefinitionHandle)t.Head);
            if (!td.BaseType.IsNil && DocIdProvider.TypeOf(_md, td.BaseType).Id == "System.Enum")
                foreach (var fh in td.GetFields())
                {
                    var f = _md.GetFieldDefinition(fh);
                    if ((f.Attributes & FieldAttributes.Static) == 0)
                        result = f.DecodeSignature(FlowTypeProvider.Instance, GenericContext.None).Kind;
                }
        }
        else if (t.Head.Kind == HandleKind.TypeReference && cx.Types.Runtime(t.Head) is { IsEnum: true } rt)
        {
            var u = Type.GetTypeCode(Enum.GetUnderlyingType(rt));
            result = u is TypeCode.Int64 or TypeCode.UInt64 ? FKind.I8 : FKind.I4;
        }
        _enumKinds[t.Id] = result;
        return result;
    }

    /// <summary>Whether a reference of type <paramref name="s"/> may be used where <paramref name="t"/> is expected.</summary>
    public bool RefAssignable(FType s, FType t, int depth = 0)
    {
        if (t.Id == "System.Object" || s.Id == t.Id) return true;
        if (depth > 8) return false;
        if (s.Kind == FKind.Generic || t.Kind == FKind.Generic) return false;
        if (s.IsArray)
        {
            if (t.IsArray && s.Elem != null && t.Elem != null)
                return s.Elem.Kind == FKind.Ref && t.Elem.Kind == FKind.Ref ? RefAssignable(s.Elem, t.Elem, depth + 1) : s.Elem.Id == t.Elem.Id;
            if (t.Id is "System.Array" or "System.ICloneable" or "System.Collections.IEnumerable" or "System.Collections.ICollection" or "System.Collections.IList"
                or "System.Collections.IStructuralEquatable" or "System.Collections.IStructuralComparable") return true;
            if (t.Open is "System.Collections.Generic.IEnumerable`1" or "System.Collections.Generic.ICollection`1" or "System.Collections.Generic.IList`1"
                or "System.Collections.Generic.IReadOnlyList`1" or "System.Collections.Generic.IReadOnlyCollection`1" && !t.Args.IsDefaultOrEmpty && s.Elem != null)
                return s.Elem.Id == t.Args[0].Id || s.Elem.Kind == FKind.Ref && t.Args[0].Kind == FKind.Ref && RefAssignable(s.Elem, t.Args[0], depth + 1);
            return false;
        }
        var supers = Supertypes(s);
        if (supers == null) return false; // a type whose definition cannot be found would not load either
        foreach (var u in supers)
        {
            if (u.Id == t.Id) return true;
            if (u.Open == t.Open && !u.Args.IsDefaultOrEmpty && u.Args.Length == t.Args.Length && VariantMatch(u, t, depth)) return true;
        }
        return false;
    }

    private bool VariantMatch(FType u, FType t, int depth)
    {
        var variance = Variance(u);
        for (int i = 0; i < u.Args.Length; i++)
        {
            var (a, b) = (u.Args[i], t.Args[i]);
            if (a.Id == b.Id) continue;
            var v = variance != null && i < variance.Length ? variance[i] : GenericParameterAttributes.None;
            bool refs = a.Kind == FKind.Ref && b.Kind == FKind.Ref;
            if (v == GenericParameterAttributes.Covariant && refs && RefAssignable(a, b, depth + 1)) continue;
            if (v == GenericParameterAttributes.Contravariant && refs && RefAssignable(b, a, depth + 1)) continue;
            return false;
        }
        return true;
    }

    private GenericParameterAttributes[]? Variance(FType t)
    {
        if (t.Head.Kind == HandleKind.TypeDefinition)
            return [.. _md.GetTypeDefinition((TypeDefinitionHandle)t.Head).GetGenericParameters()
                .Select(g => _md.GetGenericParameter(g).Attributes & GenericParameterAttributes.VarianceMask)];
        var rt = RuntimeDefinition(t);
        return rt?.GetGenericArguments().Select(a => a.GenericParameterAttributes & GenericParameterAttributes.VarianceMask).ToArray();
    }

    /// <summary>Every base type and interface of <paramref name="s"/>, generic arguments substituted; null when unknown.</summary>
    public List<FType>? Supertypes(FType s)
    {
        if (_supers.TryGetValue(s.Id, out var cached)) return cached;
        _supers[s.Id] = null; // cycle guard
        var result = new List<FType>();
        var direct = DirectSupertypes(s);
        if (direct == null) return null;
        foreach (var d in direct)
        {
            result.Add(d);
            var more = Supertypes(d);
            if (more != null) result.AddRange(more);
        }
        _supers[s.Id] = result;
        return result;
    }

    private List<FType>? DirectSupertypes(FType s)
    {
        var gc = new GenericContext(s.Args.IsDefault ? ImmutableArray<FType>.Empty : s.Args, ImmutableArray<FType>.Empty);
        if (s.Head.Kind == HandleKind.TypeDefinition)
        {
            var td = _md.GetTypeDefinition((TypeDefinitionHandle)s.Head);
            var list = new List<FType>();
            if (!td.BaseType.IsNil) list.Add(FromToken(td.BaseType, gc));
            foreach (var ih in td.GetInterfaceImplementations())
                list.Add(FromToken(_md.GetInterfaceImplementation(ih).Interface, gc));
            return list;
        }
        var rt = RuntimeDefinition(s);
        if (rt == null) return null;
        var result = new List<FType>();
        if (rt.BaseType != null) result.Add(FromRuntime(rt.BaseType, gc.TypeArgs));
        foreach (var i in s_interfaces.GetOrAdd(rt, static t => t.GetInterfaces())) result.Add(FromRuntime(i, gc.TypeArgs));
        return result;
    }

    private readonly Dictionary<string, Type?> _runtimeById = new(StringComparer.Ordinal);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, Type[]> s_interfaces = new();

    private Type? RuntimeDefinition(FType t)
    {
        if (t.Head.Kind == HandleKind.TypeReference) return cx.Types.Runtime(t.Head);
        if (_runtimeById.TryGetValue(t.Open, out var known)) return known;
        // Signature primitives (string, object) carry no token: they are CoreLib's, which is always loaded.
        return FlowTypeProvider.PrimitiveKind(t.Open) != null ? typeof(object).Assembly.GetType(t.Open) : null;
    }

    /// <summary>A runtime (framework or Sdk) type as an FType, its generic parameters replaced by <paramref name="args"/>.</summary>
    /// <summary>A delegate type's Invoke signature (parameters and return), generic arguments substituted; null when unknown.</summary>
    public (ImmutableArray<FType> Params, FType Return)? DelegateInvoke(FType del)
    {
        var gc = new GenericContext(del.Args.IsDefault ? ImmutableArray<FType>.Empty : del.Args, ImmutableArray<FType>.Empty);
        if (del.Head.Kind == HandleKind.TypeDefinition)
        {
            foreach (var mh in _md.GetTypeDefinition((TypeDefinitionHandle)del.Head).GetMethods())
            {
                var m = _md.GetMethodDefinition(mh);
                if (_md.GetString(m.Name) != "Invoke") continue;
                var sig = m.DecodeSignature(FlowTypeProvider.Instance, gc);
                return (sig.ParameterTypes, sig.ReturnType);
            }
            return null;
        }
        var invoke = RuntimeDefinition(del)?.GetMethod("Invoke");
        if (invoke == null) return null;
        return ([.. invoke.GetParameters().Select(p => FromRuntime(p.ParameterType, gc.TypeArgs))], FromRuntime(invoke.ReturnType, gc.TypeArgs));
    }

    /// <summary>Whether a by-ref parameter is read-only (<c>in</c> / <c>ref readonly</c>): a read-only reference may be passed to it.</summary>
    public bool ParamAcceptsReadOnly(EntityHandle method, int index)
    {
        if (method.Kind == HandleKind.MethodSpecification) method = _md.GetMethodSpecification((MethodSpecificationHandle)method).Method;
        static bool Named(string n) => n is "System.Runtime.CompilerServices.IsReadOnlyAttribute" or "System.Runtime.CompilerServices.RequiresLocationAttribute";
        if (method.Kind == HandleKind.MethodDefinition)
        {
            foreach (var ph in _md.GetMethodDefinition((MethodDefinitionHandle)method).GetParameters())
            {
                var p = _md.GetParameter(ph);
                if (p.SequenceNumber != index + 1) continue;
                return (p.Attributes & ParameterAttributes.In) != 0
                    || p.GetCustomAttributes().Any(a => Named(SdkSurface.AttributeTypeName(_md, _md.GetCustomAttribute(a))));
            }
            return false;
        }
        if (method.Kind != HandleKind.MemberReference) return false;
        var mr = _md.GetMemberReference((MemberReferenceHandle)method);
        var parent = mr.Parent.Kind == HandleKind.TypeSpecification ? ReferenceRules.SpecHead(_md, (TypeSpecificationHandle)mr.Parent) : mr.Parent;
        if (parent.Kind == HandleKind.TypeDefinition)
        {
            string want = _md.GetString(mr.Name);
            foreach (var mh in _md.GetTypeDefinition((TypeDefinitionHandle)parent).GetMethods())
                if (_md.GetString(_md.GetMethodDefinition(mh).Name) == want && ParamAcceptsReadOnly(mh, index)) return true;
            return false;
        }
        if (cx.Types.Runtime(parent) is not { } rt) return false;
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        return rt.GetMember(_md.GetString(mr.Name), MemberTypes.Method | MemberTypes.Constructor, all).OfType<MethodBase>()
            .Select(m => m.GetParameters()).Where(ps => index < ps.Length)
            .Any(ps => ps[index].IsIn || ps[index].GetCustomAttributesData().Any(a => Named(a.AttributeType.FullName ?? "")));
    }

    /// <summary>Whether a by-ref parameter is <c>out</c> (and not <c>in</c>): C# treats it as scoped.</summary>
    public bool ParamIsOut(EntityHandle method, int index)
    {
        if (method.Kind == HandleKind.MethodSpecification) method = _md.GetMethodSpecification((MethodSpecificationHandle)method).Method;
        static bool IsOut(ParameterAttributes a) => (a & ParameterAttributes.Out) != 0 && (a & ParameterAttributes.In) == 0;
        if (method.Kind == HandleKind.MethodDefinition)
        {
            foreach (var ph in _md.GetMethodDefinition((MethodDefinitionHandle)method).GetParameters())
            {
                var p = _md.GetParameter(ph);
                if (p.SequenceNumber == index + 1) return IsOut(p.Attributes);
            }
            return false;
        }
        if (method.Kind != HandleKind.MemberReference) return false;
        var mr = _md.GetMemberReference((MemberReferenceHandle)method);
        var parent = mr.Parent.Kind == HandleKind.TypeSpecification ? ReferenceRules.SpecHead(_md, (TypeSpecificationHandle)mr.Parent) : mr.Parent;
        string want = _md.GetString(mr.Name);
        // Overloads are not told apart by signature here, so every same-named overload must agree.
        if (parent.Kind == HandleKind.TypeDefinition)
        {
            var same = _md.GetTypeDefinition((TypeDefinitionHandle)parent).GetMethods().Where(mh => _md.GetString(_md.GetMethodDefinition(mh).Name) == want).ToList();
            return same.Count > 0 && same.All(mh => ParamIsOut(mh, index));
        }
        if (cx.Types.Runtime(parent) is not { } rt) return false;
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var overloads = rt.GetMember(want, MemberTypes.Method | MemberTypes.Constructor, all).OfType<MethodBase>().Select(m => m.GetParameters()).ToList();
        return overloads.Count > 0 && overloads.All(ps => index < ps.Length && ps[index].IsOut && !ps[index].IsIn);
    }

    /// <summary>Whether an instance method may be called on read-only memory: the struct or the method is readonly.</summary>
    public bool IsReadOnlyMember(FType decl, EntityHandle method)
    {
        if (FlowTypeProvider.PrimitiveKind(decl.Open) != null) return true;
        if (decl.Head.Kind == HandleKind.TypeDefinition)
        {
            bool Has(CustomAttributeHandleCollection attrs) => attrs.Any(a => SdkSurface.AttributeTypeName(_md, _md.GetCustomAttribute(a)) == "System.Runtime.CompilerServices.IsReadOnlyAttribute");
            if (Has(_md.GetTypeDefinition((TypeDefinitionHandle)decl.Head).GetCustomAttributes())) return true;
            return method.Kind == HandleKind.MethodDefinition && Has(_md.GetMethodDefinition((MethodDefinitionHandle)method).GetCustomAttributes());
        }
        var rt = RuntimeDefinition(decl);
        if (rt == null) return false;
        if (rt.IsDefined(typeof(System.Runtime.CompilerServices.IsReadOnlyAttribute), false)) return true;
        if (method.Kind != HandleKind.MemberReference) return false;
        string name = _md.GetString(_md.GetMemberReference((MemberReferenceHandle)method).Name);
        const BindingFlags flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        var same = rt.GetMember(name, MemberTypes.Method, flags).OfType<MethodInfo>().ToList();
        return same.Count > 0 && same.All(m => m.IsDefined(typeof(System.Runtime.CompilerServices.IsReadOnlyAttribute), false));
    }

    private FType FromRuntime(Type t, ImmutableArray<FType> args)
    {
        if (t.IsByRef) return FlowTypeProvider.Instance.GetByReferenceType(FromRuntime(t.GetElementType()!, args));
        if (t.IsPointer) return FlowTypeProvider.Instance.GetPointerType(FromRuntime(t.GetElementType()!, args));
        if (t.IsGenericParameter)
            return t.DeclaringMethod == null && t.GenericParameterPosition < args.Length ? args[t.GenericParameterPosition] : new FType(FKind.Generic, "`" + t.GenericParameterPosition);
        if (t.IsArray) return FlowTypeProvider.Instance.GetSZArrayType(FromRuntime(t.GetElementType()!, args));
        var def = t.IsGenericType ? t.GetGenericTypeDefinition() : t;
        string id = RuntimeName(def);
        _runtimeById.TryAdd(id, def);
        var kind = FlowTypeProvider.PrimitiveKind(id) ?? (def.IsValueType ? FKind.Value : FKind.Ref);
        var open = new FType(kind, id);
        if (!t.IsGenericType) return open;
        return FlowTypeProvider.Instance.GetGenericInstantiation(open, [.. t.GetGenericArguments().Select(a => FromRuntime(a, args))]);
    }

    private static string RuntimeName(Type def) =>
        def.DeclaringType != null ? RuntimeName(def.DeclaringType) + "." + def.Name : (string.IsNullOrEmpty(def.Namespace) ? def.Name : def.Namespace + "." + def.Name);
}
