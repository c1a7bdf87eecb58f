using System.Security.Cryptography;
using System.Text;

namespace Switchboard.Host.Plugins.Signing;

/// <summary>
/// The canonical statement a signature covers: a format line, then <c>sha256:HEX name</c> for plugin.json and
/// then for every other file in ordinal name order (signature.json excluded). Adding, removing, renaming or
/// changing any file changes it.
/// </summary>
public static class PackageDigest
{
    public const string Format = "switchboard-plugin-package/1";

    /// <summary>The canonical text (UTF-8) of a package's files.</summary>
    public static byte[] Canonical(PluginPackage package) =>
        Canonical(package.FileNames.Where(n => n != PluginManifest.SignatureFileName).Select(n => (n, package.File(n))));

    public static byte[] Canonical(IEnumerable<(string Name, ReadOnlyMemory<byte> Bytes)> files)
    {
        var list = files.ToList();
        var sb = new StringBuilder().Append(Format).Append('\n');
        foreach (var (name, bytes) in list.Where(f => f.Name == PluginManifest.FileName)
                     .Concat(list.Where(f => f.Name != PluginManifest.FileName).OrderBy(f => f.Name, StringComparer.Ordinal)))
            sb.Append("sha256:").Append(Hex(bytes.Span)).Append(' ').Append(name).Append('\n');
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Per-file SHA-256 (hex), to name the file that changed when a signature fails.</summary>
    public static Dictionary<string, string> FileHashes(PluginPackage package) =>
        package.FileNames.Where(n => n != PluginManifest.SignatureFileName).ToDictionary(n => n, n => Hex(package.File(n).Span), StringComparer.Ordinal);

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
