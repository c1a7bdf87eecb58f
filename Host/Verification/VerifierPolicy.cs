using System.Reflection;

namespace Switchboard.Host.Verification;

/// <summary>
/// The allow-list a plugin is verified against, read from a text file in the doc-id syntax of
/// BannedApiAnalyzers (see plugin-policy.txt). Lines:
/// <list type="bullet">
/// <item><c>A:System.Collections</c> an assembly plugins may reference;</item>
/// <item><c>S:Switchboard.Sdk</c> the Sdk: its whole public surface is allowed, checked against its metadata;</item>
/// <item><c>N:ns</c>, <c>T:type</c>, <c>M:member</c>, <c>F:field</c>, <c>P:property</c> allowed (a member without
///   a parameter list allows every overload);</item>
/// <item><c>!</c> before any of those denies it, overriding allows, optionally followed by
///   <c>;rule-id;message for the vendor</c>.</item>
/// </list>
/// Nothing is allowed that no line allows.
/// </summary>
public sealed class VerifierPolicy
{
    private readonly HashSet<string> _assemblies = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _namespaces = new(StringComparer.Ordinal);
    private readonly HashSet<string> _types = new(StringComparer.Ordinal);
    private readonly HashSet<string> _members = new(StringComparer.Ordinal);
    private readonly HashSet<string> _typesWithAllowedMembers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Deny> _denies = new(StringComparer.Ordinal);

    /// <summary>An explicit deny line: the rule id and the message the vendor sees.</summary>
    public readonly record struct Deny(string Rule, string Message);

    /// <summary>The Sdk's simple name (from the <c>S:</c> line), or null when the policy names none.</summary>
    public string? SdkAssemblyName { get; private set; }
    internal SdkSurface? Sdk { get; private set; }

    /// <summary>Parse a policy; <paramref name="sdkImage"/> is the Sdk assembly's bytes (its public surface is allowed).</summary>
    public static VerifierPolicy Parse(string text, ReadOnlyMemory<byte>? sdkImage = null, string source = "policy")
    {
        var p = new VerifierPolicy();
        int lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.Trim();
            int hash = line.IndexOf(" #", StringComparison.Ordinal);
            if (hash >= 0) line = line[..hash].TrimEnd();
            if (line.Length == 0 || line[0] == '#') continue;
            bool deny = line[0] == '!';
            if (deny) line = line[1..];
            var parts = line.Split(';', 3);
            string id = parts[0].Trim();
            if (id.Length < 3 || id[1] != ':') throw new FormatException($"{source}:{lineNo}: expected 'X:name', got '{raw.Trim()}'");
            char kind = id[0];
            string name = id[2..];
            if (deny)
            {
                if (kind is not ('N' or 'T' or 'M' or 'F' or 'P'))
                    throw new FormatException($"{source}:{lineNo}: only N:, T:, M:, F:, P: can be denied");
                string rule = parts.Length > 1 && parts[1].Trim().Length > 0 ? parts[1].Trim() : Rules.ApiNotAllowed;
                string message = parts.Length > 2 ? parts[2].Trim() : "this API is not available to plugins";
                foreach (var k in Expand(kind, name)) p._denies[k] = new Deny(rule, message);
                continue;
            }
            switch (kind)
            {
                case 'A': p._assemblies.Add(name); break;
                case 'S': p.SdkAssemblyName = name; p._assemblies.Add(name); break;
                case 'N': p._namespaces.Add(name); break;
                case 'T': p._types.Add(name); break;
                case 'M' or 'F' or 'P':
                    foreach (var k in Expand(kind, name))
                    {
                        p._members.Add(k);
                        p._typesWithAllowedMembers.Add(DeclaringType(k[2..]));
                    }
                    break;
                default: throw new FormatException($"{source}:{lineNo}: unknown kind '{kind}:'");
            }
        }
        if (p.SdkAssemblyName != null && sdkImage is { } img) p.Sdk = SdkSurface.Read(img, p.SdkAssemblyName);
        return p;
    }

    /// <summary>The policy shipped with the host (plugin-policy.txt) over the Sdk this host runs.</summary>
    public static VerifierPolicy Default => s_default.Value;
    private static readonly Lazy<VerifierPolicy> s_default = new(() =>
    {
        using var s = typeof(VerifierPolicy).Assembly.GetManifestResourceStream("Switchboard.Host.Verification.plugin-policy.txt")
            ?? throw new InvalidOperationException("plugin-policy.txt is not embedded in the host");
        using var reader = new StreamReader(s);
        string sdkPath = typeof(Switchboard.Sdk.Pipe).Assembly.Location;
        return Parse(reader.ReadToEnd(), File.ReadAllBytes(sdkPath), "plugin-policy.txt");
    });

    // Properties are allowed through their accessors.
    private static IEnumerable<string> Expand(char kind, string name)
    {
        if (kind != 'P') { yield return kind + ":" + name; yield break; }
        int dot = name.LastIndexOf('.');
        yield return "M:" + name[..(dot + 1)] + "get_" + name[(dot + 1)..];
        yield return "M:" + name[..(dot + 1)] + "set_" + name[(dot + 1)..];
    }

    private static string DeclaringType(string member)
    {
        int paren = member.IndexOf('(');
        string head = paren >= 0 ? member[..paren] : member;
        return head[..Math.Max(0, head.LastIndexOf('.'))];
    }

    public bool IsAssemblyAllowed(string name) => _assemblies.Contains(name);

    /// <summary>
    /// The verdict for a type (member null) or a member: the most specific line wins (member, then
    /// type and its enclosing types, then namespace and its parents), a deny beating an allow at the same level.
    /// </summary>
    public (bool Allowed, Deny? Denied) Decide(string? memberId, string typeId, string ns)
    {
        if (memberId != null)
        {
            if (_denies.TryGetValue(memberId, out var d) || _denies.TryGetValue(Group(memberId), out d)) return (false, d);
            if (_members.Contains(memberId) || _members.Contains(Group(memberId))) return (true, null);
        }
        // Naming a type is fine when some of its members are allowed (each member is decided on its own).
        if (memberId == null && _typesWithAllowedMembers.Contains(typeId)) return (true, null);
        for (string? t = typeId; t != null && t.Length > ns.Length; t = Outer(t))
        {
            if (_denies.TryGetValue("T:" + t, out var d)) return (false, d);
            if (_types.Contains(t)) return (true, null);
        }
        for (string? n = ns; n != null; n = ParentNamespace(n))
        {
            if (_denies.TryGetValue("N:" + n, out var d)) return (false, d);
            if (n == ns && _namespaces.Contains(n)) return (true, null);
        }
        return (false, null);
    }

    // M:T.Name``1(args)~R -> M:T.Name (every overload).
    private static string Group(string memberId)
    {
        int cut = memberId.IndexOfAny(['(', '~']);
        string head = cut >= 0 ? memberId[..cut] : memberId;
        int tick = head.IndexOf("``", StringComparison.Ordinal);
        return tick >= 0 ? head[..tick] : head;
    }

    private static string? Outer(string typeId)
    {
        // Only strip a nested-type suffix, never a namespace: callers pass the namespace separately.
        int dot = typeId.LastIndexOf('.');
        return dot > 0 ? typeId[..dot] : null;
    }

    private static string? ParentNamespace(string ns)
    {
        int dot = ns.LastIndexOf('.');
        return dot > 0 ? ns[..dot] : null;
    }
}
