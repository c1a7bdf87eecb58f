using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Switchboard.Host.Plugins;

/// <summary>
/// What a package's assembly declares, read from its metadata without loading it: its simple name,
/// whether it is pure IL, and every type carrying <c>[NetworkFunction("name")]</c>.
/// </summary>
internal static class AssemblyInspector
{
    public sealed record NfTypeFact(string FullName, string NfName, bool IsPublic);

    public sealed record Facts(string SimpleName, IReadOnlyList<NfTypeFact> NfTypes);

    private const string AttributeNamespace = "Switchboard.Sdk", AttributeName = "NetworkFunctionAttribute";

    /// <summary>The facts, or null with the reason in <paramref name="problem"/> (native, mixed-mode or malformed image).</summary>
    public static Facts? Inspect(byte[] bytes, out string? problem)
    {
        problem = null;
        if (bytes.Length < 2 || bytes[0] != (byte)'M' || bytes[1] != (byte)'Z')
        {
            problem = "not a .NET assembly (not a PE image: a native library or another format): plugins never load native code";
            return null;
        }
        try
        {
            using var pe = new PEReader(ImmutableArray.Create(bytes));
            if (pe.PEHeaders.CorHeader is null || !pe.HasMetadata)
            {
                problem = "not a .NET assembly (a native image): plugins never load native code";
                return null;
            }
            if ((pe.PEHeaders.CorHeader.Flags & CorFlags.ILOnly) == 0)
            {
                problem = "a mixed-mode image (native code alongside IL): plugins must be pure IL (build with AnyCPU, no C++/CLI)";
                return null;
            }
            var md = pe.GetMetadataReader();
            if (!md.IsAssembly)
            {
                problem = "a module without an assembly manifest: plugins ship assemblies";
                return null;
            }
            string name = md.GetString(md.GetAssemblyDefinition().Name);
            var nfs = new List<NfTypeFact>();
            foreach (var th in md.TypeDefinitions)
            {
                var type = md.GetTypeDefinition(th);
                foreach (var ah in type.GetCustomAttributes())
                {
                    var attr = md.GetCustomAttribute(ah);
                    if (!IsNetworkFunctionAttribute(md, attr)) continue;
                    var blob = md.GetBlobReader(attr.Value);
                    string nfName = blob.ReadUInt16() == 1 ? blob.ReadSerializedString() ?? "" : "";
                    var visibility = type.Attributes & TypeAttributes.VisibilityMask;
                    nfs.Add(new NfTypeFact(FullName(md, type), nfName, visibility == TypeAttributes.Public));
                }
            }
            return new Facts(name, nfs);
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or ArgumentException)
        {
            problem = $"not a readable .NET assembly ({e.Message})";
            return null;
        }
    }

    private static bool IsNetworkFunctionAttribute(MetadataReader md, CustomAttribute attr)
    {
        if (attr.Constructor.Kind != HandleKind.MemberReference) return false;
        var parent = md.GetMemberReference((MemberReferenceHandle)attr.Constructor).Parent;
        if (parent.Kind != HandleKind.TypeReference) return false;
        var tr = md.GetTypeReference((TypeReferenceHandle)parent);
        return md.StringComparer.Equals(tr.Namespace, AttributeNamespace) && md.StringComparer.Equals(tr.Name, AttributeName);
    }

    private static string FullName(MetadataReader md, TypeDefinition type)
    {
        string name = md.GetString(type.Name);
        var outer = type.GetDeclaringType();
        if (!outer.IsNil) return FullName(md, md.GetTypeDefinition(outer)) + "+" + name;
        string ns = md.GetString(type.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }
}
