using System.Text.Json;
using Switchboard.Host.Config;

namespace Switchboard.Host.Tests.Config;

/// <summary>Paths to the repo's schema, examples and fixtures, and temp folders to load them from.</summary>
internal static class ConfigTestFiles
{
    public static readonly IReadOnlySet<string> KnownNfTypes = new HashSet<string>(StringComparer.Ordinal) { "ttl", "monitor" };

    public static string RepoRoot { get; } = FindRepoRoot();
    public static string SchemaPath => Path.Combine(RepoRoot, "plugins.schema.json");
    public static string ExamplesDir => Path.Combine(RepoRoot, "examples");
    public static string FixturesDir => Path.Combine(RepoRoot, "tests", "Host.Tests", "Config", "Fixtures");

    /// <summary>Copies a deployment file into <paramref name="dir"/> and creates each pcap-in file (and net_pcap rx_pcap file) it names
    /// (any bytes pass the existence check), except names starting with "missing" (the missing-file fixtures).</summary>
    public static string Stage(string jsonPath, TempDir dir)
    {
        var staged = Path.Combine(dir.Path, Path.GetFileName(jsonPath));
        File.Copy(jsonPath, staged);
        using var doc = JsonDocument.Parse(File.ReadAllText(jsonPath));
        if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("ports", out var ports) && ports.ValueKind == JsonValueKind.Object)
            foreach (var port in ports.EnumerateObject())
                if (port.Value.ValueKind == JsonValueKind.Object
                    && port.Value.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "pcap-in"
                    && port.Value.TryGetProperty("file", out var file) && file.ValueKind == JsonValueKind.String
                    && file.GetString() is { Length: > 0 } name && !name.StartsWith("missing", StringComparison.Ordinal) && !Path.IsPathRooted(name))
                    File.WriteAllBytes(Path.Combine(dir.Path, name), [0xD4, 0xC3, 0xB2, 0xA1]);
                else if (port.Value.ValueKind == JsonValueKind.Object && port.Value.TryGetProperty("device", out var device) && device.ValueKind == JsonValueKind.String)
                    foreach (var arg in device.GetString()!.Split(',').Where(a => a.StartsWith("rx_pcap=", StringComparison.Ordinal)))
                        if (arg["rx_pcap=".Length..] is { Length: > 0 } input && !input.StartsWith("missing", StringComparison.Ordinal) && !Path.IsPathRooted(input))
                            File.WriteAllBytes(Path.Combine(dir.Path, input), [0xD4, 0xC3, 0xB2, 0xA1]);
        return staged;
    }

    /// <summary>Parses inline JSON as if it were <c>plugins.json</c> in <paramref name="dir"/>.</summary>
    public static LoadResult Parse(string json, TempDir dir, IReadOnlySet<string>? known = null) =>
        DeploymentLoader.Parse(json, Path.Combine(dir.Path, "plugins.json"), known ?? KnownNfTypes);

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Switchboard.slnx"))) return d.FullName;
        throw new InvalidOperationException("Switchboard.slnx not found above the test directory");
    }
}

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("switchboard-config-").FullName;

    public string File(string name, byte[]? bytes = null)
    {
        var path = System.IO.Path.Combine(Path, name);
        System.IO.File.WriteAllBytes(path, bytes ?? [0xD4, 0xC3, 0xB2, 0xA1]);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
