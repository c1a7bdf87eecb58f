using System.Text.Json;
using System.Text.RegularExpressions;
using Switchboard.Host.Config;

namespace Switchboard.Host.Plugins;

/// <summary>
/// Validates <c>plugin.json</c>, reporting every problem with its JSON path and line:column (the same
/// helpers as plugins.json), so a vendor fixes a manifest in one round.
/// </summary>
internal static partial class ManifestParser
{
    public const int MaxIdLength = 64;
    public static readonly string[] Keys = ["$schema", "id", "version", "vendor", "description", "nfs", "assemblies", "model"];
    public static readonly string[] NfKeys = ["type", "entryType", "description", "configSchema"];

    /// <summary>The manifest, or null with the errors (each a <see cref="ConfigError"/> whose Source is <paramref name="source"/>).</summary>
    public static PluginManifest? Parse(byte[] utf8, string source, List<ConfigError> errors, out JsonSourceMap? map)
    {
        var syntax = new List<ConfigError>();
        if (!JsonSourceMap.TryScan(utf8, (path, message, line, column) => syntax.Add(new ConfigError(path, message, line, column)), out var m))
        {
            map = null;
            errors.AddRange(syntax.Select(e => e with { Source = source }));
            return null;
        }
        map = m;
        var diag = new Diagnostics(m);
        diag.AddRange(syntax);
        PluginManifest? manifest;
        using (var doc = JsonDocument.Parse(utf8))
            manifest = Validate(doc.RootElement, diag);
        errors.AddRange(diag.Errors.Select(e => e with { Source = source }).OrderBy(e => e.Line ?? int.MaxValue).ThenBy(e => e.Column ?? 0));
        return diag.Count == 0 ? manifest : null;
    }

    private static PluginManifest? Validate(JsonElement element, Diagnostics diag)
    {
        var root = ObjectView.From(element, JsonPath.Root, diag);
        if (root is null) return null;
        root.RejectUnknownKeys(Keys);
        root.String("$schema");

        string? id = root.String("id", required: true);
        if (id is not null && !IsValidId(id))
            diag.Error(root.ChildPath("id"), $"'{id}' is not a valid plugin id: lower-case dot-separated segments such as 'acme.counter' " +
                                             $"(each starts with a letter; letters, digits and '-'; at least two segments; {MaxIdLength} characters at most)");

        string? versionText = root.String("version", required: true);
        SemVer? version = null;
        if (versionText is not null && !SemVer.TryParse(versionText, out version))
            diag.Error(root.ChildPath("version"), $"'{versionText}' is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0 or 2.1.0-beta.1)");

        string? vendor = root.String("vendor", required: true);
        if (vendor is not null && vendor.Trim().Length == 0) diag.Error(root.ChildPath("vendor"), "must not be empty");
        string description = root.String("description") ?? "";

        var nfs = ParseNfs(root, diag);
        var assemblies = ParseAssemblies(root, diag);
        string? model = root.String("model", required: true);
        if (model is not null) CheckFileName(model, ".vmn", "model", root.ChildPath("model"), diag);

        if (diag.Count > 0 || id is null || version is null || vendor is null || model is null) return null;
        return new PluginManifest(id, version, vendor, description, nfs, assemblies, model);
    }

    private static List<NfDeclaration> ParseNfs(ObjectView root, Diagnostics diag)
    {
        var list = new List<NfDeclaration>();
        var items = root.Array("nfs", required: true);
        if (items is null) return list;
        if (items.Count == 0) diag.Error(root.ChildPath("nfs"), "a plugin provides at least one NF");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (value, path) in items)
        {
            var nf = ObjectView.From(value, path, diag);
            if (nf is null) continue;
            nf.RejectUnknownKeys(NfKeys);
            string? type = nf.String("type", required: true);
            if (type is not null && !ConfigNames.IsValid(type))
                diag.Error(nf.ChildPath("type"), $"'{type}' is not a valid NF type name: {ConfigNames.Rule}");
            else if (type is not null && !seen.Add(type))
                diag.Error(nf.ChildPath("type"), $"NF type '{type}' is declared twice");
            string? entry = nf.String("entryType", required: true);
            if (entry is not null && !TypeName().IsMatch(entry))
                diag.Error(nf.ChildPath("entryType"), $"'{entry}' is not a namespace-qualified class name (e.g. Acme.Counter.CounterNf)");
            string description = nf.String("description") ?? "";
            string? schema = null;
            if (nf.TryGet("configSchema", out var s))
            {
                if (s.ValueKind is JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False) schema = s.GetRawText();
                else diag.Error(nf.ChildPath("configSchema"), $"expected a JSON schema object, got {ObjectView.Describe(s)}");
            }
            if (type is not null && entry is not null) list.Add(new NfDeclaration(type, entry, description, schema));
        }
        return list;
    }

    private static List<string> ParseAssemblies(ObjectView root, Diagnostics diag)
    {
        var list = new List<string>();
        var items = root.Strings("assemblies", required: true);
        if (items is null) return list;
        if (items.Count == 0) diag.Error(root.ChildPath("assemblies"), "a plugin ships at least one assembly");
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, path) in items)
        {
            if (!CheckFileName(name, ".dll", "assembly", path, diag)) continue;
            if (!seen.Add(name)) diag.Error(path, $"'{name}' is listed twice");
            else list.Add(name);
        }
        return list;
    }

    /// <summary>A plain file name at the package's top level with the expected extension.</summary>
    private static bool CheckFileName(string name, string extension, string what, string path, Diagnostics diag)
    {
        if (name.Length == 0 || name.Length > 200 || name.IndexOfAny(['/', '\\', ':', '\0']) >= 0 || name.StartsWith('.') || name.Trim() != name)
        {
            diag.Error(path, $"'{name}' is not a plain file name: {what} files sit at the top of the package (no folders, no '..')");
            return false;
        }
        if (!name.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
        {
            diag.Error(path, $"'{name}': {what} file names end with '{extension}'");
            return false;
        }
        return true;
    }

    public static bool IsValidId(string id) => id.Length <= MaxIdLength && IdPattern().IsMatch(id);

    [GeneratedRegex(@"^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+\z")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+\z")]
    private static partial Regex TypeName();
}
