using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Switchboard.Host.Verification;

/// <summary>
/// The Sdk's public surface, read from its metadata: the doc ids of every type and member a plugin
/// may name (public, or protected for plugin types deriving from Sdk types), and the assembly names
/// the Sdk grants its internals to (a plugin must not take one of those names).
/// </summary>
internal sealed class SdkSurface
{
    public string Name { get; }
    public HashSet<string> Types { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Members { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Friends { get; } = new(StringComparer.OrdinalIgnoreCase);

    private SdkSurface(string name) => Name = name;

    public static SdkSurface Read(ReadOnlyMemory<byte> image, string name)
    {
        var surface = new SdkSurface(name);
        using var pe = new PEReader(ImmutableArray.Create(image.Span));
        var md = pe.GetMetadataReader();
        foreach (var th in md.TypeDefinitions)
        {
            if (!Visible(md, th)) continue;
            var t = md.GetTypeDefinition(th);
            string typeId = DocIdProvider.TypeName(md, th);
            surface.Types.Add(typeId);
            foreach (var mh in t.GetMethods())
            {
                var m = md.GetMethodDefinition(mh);
                if (!VisibleMember(m.Attributes & MethodAttributes.MemberAccessMask)) continue;
                var sig = m.DecodeSignature(DocIdProvider.Instance, null);
                surface.Members.Add(DocIdProvider.MethodId(typeId, md.GetString(m.Name), sig.GenericParameterCount, sig));
            }
            foreach (var fh in t.GetFields())
            {
                var f = md.GetFieldDefinition(fh);
                if (VisibleMember((MethodAttributes)(int)(f.Attributes & FieldAttributes.FieldAccessMask)))
                    surface.Members.Add(DocIdProvider.FieldId(typeId, md.GetString(f.Name)));
            }
        }
        foreach (var ah in md.GetAssemblyDefinition().GetCustomAttributes())
        {
            var a = md.GetCustomAttribute(ah);
            if (AttributeTypeName(md, a) != "System.Runtime.CompilerServices.InternalsVisibleToAttribute") continue;
            var value = a.DecodeValue(new StringOnlyAttributeProvider());
            if (value.FixedArguments.Length == 1 && value.FixedArguments[0].Value is string friend)
                surface.Friends.Add(friend.Split(',')[0].Trim());
        }
        return surface;
    }

    private static bool VisibleMember(MethodAttributes access) =>
        access is MethodAttributes.Public or MethodAttributes.Family or MethodAttributes.FamORAssem;

    private static bool Visible(MetadataReader md, TypeDefinitionHandle th)
    {
        var t = md.GetTypeDefinition(th);
        var vis = t.Attributes & TypeAttributes.VisibilityMask;
        var outer = t.GetDeclaringType();
        if (outer.IsNil) return vis == TypeAttributes.Public;
        return vis is TypeAttributes.NestedPublic or TypeAttributes.NestedFamily or TypeAttributes.NestedFamORAssem && Visible(md, outer);
    }

    internal static string AttributeTypeName(MetadataReader md, CustomAttribute a)
    {
        EntityHandle type = a.Constructor.Kind switch
        {
            HandleKind.MemberReference => md.GetMemberReference((MemberReferenceHandle)a.Constructor).Parent,
            HandleKind.MethodDefinition => md.GetMethodDefinition((MethodDefinitionHandle)a.Constructor).GetDeclaringType(),
            _ => default,
        };
        return type.IsNil ? "?" : DocIdProvider.TypeOf(md, type).OpenId;
    }

    /// <summary>Enough of a custom-attribute decoder for attributes whose arguments are strings and primitives.</summary>
    internal sealed class StringOnlyAttributeProvider : ICustomAttributeTypeProvider<object?>
    {
        public object? GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode;
        public object? GetSystemType() => "System.Type";
        public object? GetSZArrayType(object? elementType) => null;
        public object? GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => PrimitiveTypeCode.Int32;
        public object? GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => PrimitiveTypeCode.Int32;
        public object? GetTypeFromSerializedName(string name) => name;
        public PrimitiveTypeCode GetUnderlyingEnumType(object? type) => PrimitiveTypeCode.Int32;
        public bool IsSystemType(object? type) => type is "System.Type";
    }
}
