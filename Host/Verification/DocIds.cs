using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Text;

namespace Switchboard.Host.Verification;

/// <summary>What a signature contains that the policy cares about regardless of names.</summary>
[Flags]
internal enum SigFlags
{
    None = 0,
    Pointer = 1,
    FunctionPointer = 2,
    TypedReference = 4,
    Pinned = 8,
    ByRef = 16,
}

/// <summary>A decoded signature type: its documentation-comment id and its hazards.
/// <see cref="OpenId"/> is the generic definition's id for an instantiation (members are named by it).</summary>
internal readonly record struct SigType(string Id, SigFlags Flags, string OpenId)
{
    public static SigType Of(string id, SigFlags flags = SigFlags.None) => new(id, flags, id);
}

/// <summary>
/// Decodes metadata signatures into documentation-comment ids (the syntax of BannedApiAnalyzers and
/// of XML docs): <c>System.Collections.Generic.List`1</c>, <c>`0</c> for a type's generic parameter,
/// <c>``0</c> for a method's, <c>@</c> for by-ref, <c>*</c> for pointers, <c>{...}</c> for instantiations.
/// </summary>
internal sealed class DocIdProvider : ISignatureTypeProvider<SigType, object?>
{
    public static readonly DocIdProvider Instance = new();

    public SigType GetPrimitiveType(PrimitiveTypeCode code) => code switch
    {
        PrimitiveTypeCode.TypedReference => SigType.Of("System.TypedReference", SigFlags.TypedReference),
        _ => SigType.Of("System." + code switch
        {
            PrimitiveTypeCode.IntPtr => "IntPtr",
            PrimitiveTypeCode.UIntPtr => "UIntPtr",
            _ => code.ToString(),
        }),
    };

    public SigType GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) =>
        SigType.Of(TypeName(reader, handle));

    public SigType GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
    {
        string name = TypeName(reader, handle);
        return SigType.Of(name, name == "System.TypedReference" ? SigFlags.TypedReference : SigFlags.None);
    }

    public SigType GetTypeFromSpecification(MetadataReader reader, object? context, TypeSpecificationHandle handle, byte rawTypeKind) =>
        reader.GetTypeSpecification(handle).DecodeSignature(this, context);

    public SigType GetSZArrayType(SigType e) => new(e.Id + "[]", e.Flags, e.Id + "[]");
    public SigType GetArrayType(SigType e, ArrayShape shape) =>
        SigType.Of(e.Id + "[" + string.Join(",", Enumerable.Repeat("0:", shape.Rank)) + "]", e.Flags);
    public SigType GetByReferenceType(SigType e) => SigType.Of(e.Id + "@", e.Flags | SigFlags.ByRef);
    public SigType GetPointerType(SigType e) => SigType.Of(e.Id + "*", e.Flags | SigFlags.Pointer);
    public SigType GetPinnedType(SigType e) => SigType.Of(e.Id + "^", e.Flags | SigFlags.Pinned);
    public SigType GetModifiedType(SigType modifier, SigType unmodified, bool isRequired) =>
        // Modifiers (in, init, volatile) do not change the id; their types still must be allowed (TypeRefs).
        unmodified with { Flags = unmodified.Flags | modifier.Flags };
    public SigType GetGenericTypeParameter(object? context, int index) => SigType.Of("`" + index);
    public SigType GetGenericMethodParameter(object? context, int index) => SigType.Of("``" + index);

    public SigType GetFunctionPointerType(MethodSignature<SigType> sig)
    {
        var flags = SigFlags.FunctionPointer | sig.ReturnType.Flags;
        foreach (var p in sig.ParameterTypes) flags |= p.Flags;
        return SigType.Of("=FUNC:" + sig.ReturnType.Id + "(" + string.Join(",", sig.ParameterTypes.Select(p => p.Id)) + ")", flags);
    }

    public SigType GetGenericInstantiation(SigType generic, ImmutableArray<SigType> args)
    {
        var flags = generic.Flags;
        foreach (var a in args) flags |= a.Flags;
        return new SigType(StripArity(generic.Id) + "{" + string.Join(",", args.Select(a => a.Id)) + "}", flags, generic.Id);
    }

    /// <summary>Full name with nested types joined by '.', as doc ids write them.</summary>
    public static string TypeName(MetadataReader reader, TypeDefinitionHandle handle)
    {
        var t = reader.GetTypeDefinition(handle);
        string name = reader.GetString(t.Name);
        var outer = t.GetDeclaringType();
        if (!outer.IsNil) return TypeName(reader, outer) + "." + name;
        string ns = reader.GetString(t.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    public static string TypeName(MetadataReader reader, TypeReferenceHandle handle)
    {
        var t = reader.GetTypeReference(handle);
        string name = reader.GetString(t.Name);
        if (t.ResolutionScope.Kind == HandleKind.TypeReference)
            return TypeName(reader, (TypeReferenceHandle)t.ResolutionScope) + "." + name;
        string ns = reader.GetString(t.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    /// <summary>The id of a type token (TypeDef, TypeRef or TypeSpec).</summary>
    public static SigType TypeOf(MetadataReader reader, EntityHandle handle) => handle.Kind switch
    {
        HandleKind.TypeDefinition => SigType.Of(TypeName(reader, (TypeDefinitionHandle)handle)),
        HandleKind.TypeReference => Instance.GetTypeFromReference(reader, (TypeReferenceHandle)handle, 0),
        HandleKind.TypeSpecification => reader.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(Instance, null),
        _ => SigType.Of("?"),
    };

    private static string StripArity(string id)
    {
        // List`1 -> List; nested generic (Dictionary`2.Enumerator) keeps only the name parts.
        var sb = new StringBuilder(id.Length);
        for (int i = 0; i < id.Length; i++)
        {
            if (id[i] == '`' && i + 1 < id.Length && char.IsAsciiDigit(id[i + 1]) && (i == 0 || id[i - 1] != '`'))
            {
                while (i + 1 < id.Length && char.IsAsciiDigit(id[i + 1])) i++;
                continue;
            }
            sb.Append(id[i]);
        }
        return sb.ToString();
    }

    /// <summary>A method's doc id: <c>M:Type.Name``arity(params)</c> (plus <c>~Return</c> for conversion operators).</summary>
    public static string MethodId(string declaringType, string name, int genericArity, MethodSignature<SigType> sig)
    {
        var sb = new StringBuilder("M:").Append(declaringType).Append('.').Append(name.Replace('.', '#'));
        if (genericArity > 0) sb.Append("``").Append(genericArity);
        if (sig.ParameterTypes.Length > 0)
            sb.Append('(').AppendJoin(',', sig.ParameterTypes.Select(p => p.Id)).Append(')');
        if (name is "op_Implicit" or "op_Explicit") sb.Append('~').Append(sig.ReturnType.Id);
        return sb.ToString();
    }

    public static string FieldId(string declaringType, string name) => $"F:{declaringType}.{name}";
}
