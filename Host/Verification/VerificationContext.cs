using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Switchboard.Host.Verification;

/// <summary>What every rule pass shares: the image, the policy, and the violations found so far.</summary>
internal sealed class VerificationContext(PEReader pe, MetadataReader md, VerifierPolicy policy, string assemblyName)
{
    public PEReader Pe { get; } = pe;
    public MetadataReader Md { get; } = md;
    public VerifierPolicy Policy { get; } = policy;
    public string AssemblyName { get; } = assemblyName;
    public List<Violation> Violations { get; } = [];
    private readonly HashSet<Violation> _seen = [];
    public TypeResolver Types { get; } = new(md, policy);
    private FlowTypeSystem? _flowTypes;
    public FlowTypeSystem FlowTypes => _flowTypes ??= new FlowTypeSystem(this);

    /// <summary>References that broke a rule, reported at each IL use (or once for the assembly if never used).</summary>
    public Dictionary<EntityHandle, (string Rule, string Message)> BadReferences { get; } = [];
    public HashSet<EntityHandle> ReportedAtUse { get; } = [];

    /// <summary>Namespace of each referenced type id (for namespace-level policy lines).</summary>
    public Dictionary<string, string> NamespaceOf { get; } = new(StringComparer.Ordinal);

    public void Report(string rule, string message, string? type = null, string? method = null, int? offset = null)
    {
        // One report per place and rule is enough for a vendor; IL loops would otherwise repeat it.
        var v = new Violation(AssemblyName, type, method, offset, rule, message);
        if (_seen.Add(v)) Violations.Add(v);
    }

    public void Report(string rule, string message, MethodDefinitionHandle method, int? offset = null) =>
        Report(rule, message, TypeNameOf(method), MethodName(method), offset);

    public string TypeNameOf(MethodDefinitionHandle method) =>
        DocIdProvider.TypeName(Md, Md.GetMethodDefinition(method).GetDeclaringType());

    /// <summary>A method's name with its parameter types, e.g. <c>Transform(Switchboard.Sdk.Packet)</c>.</summary>
    public string MethodName(MethodDefinitionHandle handle)
    {
        var m = Md.GetMethodDefinition(handle);
        string name = Md.GetString(m.Name);
        try
        {
            var sig = m.DecodeSignature(DocIdProvider.Instance, null);
            return $"{name}({string.Join(", ", sig.ParameterTypes.Select(p => p.Id))})";
        }
        catch (BadImageFormatException) { return name + "(?)"; }
    }

    /// <summary>A readable name for a member or type token, for messages.</summary>
    public string Describe(EntityHandle h)
    {
        try
        {
            switch (h.Kind)
            {
                case HandleKind.MemberReference:
                    var mr = Md.GetMemberReference((MemberReferenceHandle)h);
                    return $"{DocIdProvider.TypeOf(Md, mr.Parent).Id}.{Md.GetString(mr.Name)}";
                case HandleKind.MethodDefinition:
                    var md = (MethodDefinitionHandle)h;
                    return $"{TypeNameOf(md)}.{MethodName(md)}";
                case HandleKind.MethodSpecification:
                    return Describe(Md.GetMethodSpecification((MethodSpecificationHandle)h).Method);
                case HandleKind.FieldDefinition:
                    var f = Md.GetFieldDefinition((FieldDefinitionHandle)h);
                    return $"{DocIdProvider.TypeName(Md, f.GetDeclaringType())}.{Md.GetString(f.Name)}";
                default:
                    return DocIdProvider.TypeOf(Md, h).Id;
            }
        }
        catch (BadImageFormatException) { return $"token 0x{MetadataTokens.GetToken(h):x8}"; }
    }

    public bool IsOwnType(EntityHandle type) => type.Kind == HandleKind.TypeDefinition;

    public static bool HasFlag(MethodAttributes a, MethodAttributes f) => (a & f) == f;
}
