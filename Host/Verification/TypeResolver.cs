using System.Reflection.Metadata;

namespace Switchboard.Host.Verification;

/// <summary>
/// Answers questions about types the plugin names: its own types from its metadata, framework and
/// Sdk types from the host's runtime (only for assemblies the policy allows, so a plugin can never
/// make the host load an assembly of its choosing).
/// </summary>
internal sealed class TypeResolver(MetadataReader md, VerifierPolicy policy)
{
    private readonly Dictionary<EntityHandle, Type?> _runtime = [];
    // Framework and Sdk types never change while the host runs: resolve each name once per process.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Type?> s_byName = new(StringComparer.Ordinal);

    public bool IsDelegate(EntityHandle type)
    {
        if (type.Kind == HandleKind.TypeDefinition)
        {
            var baseType = md.GetTypeDefinition((TypeDefinitionHandle)type).BaseType;
            return !baseType.IsNil && DocIdProvider.TypeOf(md, baseType).Id == "System.MulticastDelegate";
        }
        if (type.Kind == HandleKind.TypeSpecification)
        {
            var head = ReferenceRules.SpecHead(md, (TypeSpecificationHandle)type);
            return !head.IsNil && IsDelegate(head);
        }
        return Runtime(type) is { } t && t.IsSubclassOf(typeof(MulticastDelegate));
    }

    /// <summary>The host's runtime type for a TypeRef (generic definitions stay open), or null.</summary>
    public Type? Runtime(EntityHandle type)
    {
        if (type.Kind != HandleKind.TypeReference) return null;
        if (_runtime.TryGetValue(type, out var cached)) return cached;
        Type? result = null;
        var names = new List<string>();
        var t = md.GetTypeReference((TypeReferenceHandle)type);
        names.Add(md.GetString(t.Name));
        while (t.ResolutionScope.Kind == HandleKind.TypeReference)
        {
            t = md.GetTypeReference((TypeReferenceHandle)t.ResolutionScope);
            names.Add(md.GetString(t.Name));
        }
        if (t.ResolutionScope.Kind == HandleKind.AssemblyReference)
        {
            string asm = md.GetString(md.GetAssemblyReference((AssemblyReferenceHandle)t.ResolutionScope).Name);
            if (policy.IsAssemblyAllowed(asm))
            {
                names.Reverse();
                string ns = md.GetString(t.Namespace);
                string full = (ns.Length > 0 ? ns + "." : "") + string.Join("+", names);
                result = s_byName.GetOrAdd($"{full}, {asm}", static name =>
                {
                    try { return Type.GetType(name, throwOnError: false); }
                    catch (Exception e) when (e is IOException or BadImageFormatException or ArgumentException or TypeLoadException) { return null; }
                });
            }
        }
        _runtime[type] = result;
        return result;
    }
}
