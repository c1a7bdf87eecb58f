namespace Switchboard.Host.Plugins;

/// <summary>A validated <c>plugin.json</c>: who made the plugin, the NFs it provides, and exactly the files it ships.</summary>
public sealed record PluginManifest(
    string Id,
    SemVer Version,
    string Vendor,
    string Description,
    IReadOnlyList<NfDeclaration> Nfs,
    IReadOnlyList<string> Assemblies,
    string Model)
{
    public const string FileName = "plugin.json";
    public const string SignatureFileName = "signature.json";
}

/// <summary>One NF type a plugin provides: its deployment name (<c>"type"</c> in plugins.json), the class that
/// implements it, and optionally a JSON schema for its <c>config</c> object (raw JSON text).</summary>
public sealed record NfDeclaration(string Type, string EntryType, string Description, string? ConfigSchema);
