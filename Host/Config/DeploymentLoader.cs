using System.Text;
using System.Text.Json;

namespace Switchboard.Host.Config;

/// <summary>
/// Loads and fully validates a deployment file (plugins.json; format in plugins.schema.json). Every error is
/// reported, each with its JSON path and line:column, so an operator fixes a file in one round.
/// </summary>
internal static class DeploymentLoader
{
    public const int MaxCores = 64, MaxBatchSize = 1024, DefaultBatchSize = 32;
    public static readonly string[] TopLevelKeys = ["$schema", "cores", "batchSize", "ports", "nfs", "chains", "invariants", "plugins", "trust", "dpdk"];

    /// <summary>Loads the deployment's plugin packages; returns the NF type names they add and reports refusals
    /// through the diagnostics (at each package's JSON path).</summary>
    public delegate IReadOnlySet<string> PluginLoader(PluginsSection plugins, IJsonDiagnostics diag);

    /// <summary>Checks the NF instances' configs against their types' config schemas (a plugin's or an in-tree NF's; after the plugins loaded),
    /// reporting each problem through the diagnostics at its JSON path.</summary>
    public delegate void NfConfigCheck(IReadOnlyDictionary<string, NfSpec> nfs, IJsonDiagnostics diag);

    public static LoadResult Load(string path, IReadOnlySet<string> knownNfTypes, PluginLoader? plugins = null, NfConfigCheck? checkConfigs = null)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return new LoadResult(null, [new ConfigError(JsonPath.Root, $"cannot read the deployment file: {e.Message}", null, null) { Source = path }]);
        }
        return Parse(json, path, knownNfTypes, plugins: plugins, checkConfigs: checkConfigs);
    }

    /// <summary>Validates <paramref name="json"/>. Relative file paths in ports resolve against
    /// <paramref name="baseDirectory"/>, by default the directory of <paramref name="sourceName"/>.</summary>
    public static LoadResult Parse(string json, string sourceName, IReadOnlySet<string> knownNfTypes, string? baseDirectory = null, PluginLoader? plugins = null,
        NfConfigCheck? checkConfigs = null)
    {
        var sourcePath = Path.GetFullPath(sourceName);
        baseDirectory ??= Path.GetDirectoryName(sourcePath) ?? Directory.GetCurrentDirectory();
        var syntaxErrors = new List<ConfigError>();
        if (!JsonSourceMap.TryScan(Encoding.UTF8.GetBytes(json), (path, message, line, column) => syntaxErrors.Add(new ConfigError(path, message, line, column)), out var map))
            return Result(null, syntaxErrors, sourceName);

        var diag = new Diagnostics(map);
        diag.AddRange(syntaxErrors); // duplicate keys: reported, and validation goes on
        using var document = JsonDocument.Parse(json);
        var deployment = Validate(document.RootElement, sourcePath, baseDirectory, knownNfTypes, plugins, checkConfigs, diag);
        return Result(deployment, diag.Errors, sourceName);
    }

    private static Deployment? Validate(JsonElement rootElement, string sourcePath, string baseDirectory, IReadOnlySet<string> knownNfTypes,
        PluginLoader? loadPlugins, NfConfigCheck? checkConfigs, Diagnostics diag)
    {
        var root = ObjectView.From(rootElement, JsonPath.Root, diag);
        if (root is null) return null;
        root.RejectUnknownKeys(TopLevelKeys);
        root.String("$schema");
        int cores = (int)(root.Integer("cores", 1, MaxCores) ?? Math.Min(Environment.ProcessorCount, MaxCores));
        int batchSize = (int)(root.Integer("batchSize", 1, MaxBatchSize) ?? DefaultBatchSize);

        // Plugins first: their NF types may be used in "nfs".
        int before = diag.Count;
        var plugins = PluginsParser.Parse(root, baseDirectory, diag);
        if (loadPlugins is not null && plugins.Packages.Count > 0 && diag.Count == before)
            knownNfTypes = knownNfTypes.Union(loadPlugins(plugins, diag)).ToHashSet(StringComparer.Ordinal);

        var ports = PortParser.Parse(root.Object("ports", required: true), baseDirectory, diag);
        var nfNames = new HashSet<string>(StringComparer.Ordinal);
        var nfs = NfParser.Parse(root.Object("nfs"), ports, knownNfTypes, nfNames, diag);
        checkConfigs?.Invoke(nfs, diag); // configSchemas, before anything is built
        var chains = ChainParser.Parse(root, ports, nfNames, [.. nfNames], diag);
        var invariants = InvariantParser.Parse(root, ports, nfNames, diag);

        var dpdk = DpdkConfigParser.Settings(root.Object("dpdk"), cores, ports.Specs.Values, diag);

        return diag.Count > 0 ? null : new Deployment(cores, batchSize, ports.Specs, nfs, chains, invariants, sourcePath) { Dpdk = dpdk, Plugins = plugins };
    }

    // File order reads best; errors without a position (none today) go last.
    private static LoadResult Result(Deployment? deployment, IEnumerable<ConfigError> errors, string sourceName) =>
        new(deployment, errors.Select(e => e with { Source = sourceName })
                              .OrderBy(e => e.Line ?? int.MaxValue).ThenBy(e => e.Column ?? 0).ToList());
}
