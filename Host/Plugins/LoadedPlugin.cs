using System.Runtime.CompilerServices;
using Switchboard.Host.Plugins.Signing;
using Switchboard.Sdk;

namespace Switchboard.Host.Plugins;

/// <summary>
/// One generation of a plugin, loaded in its own collectible context. The catalog owns it: NF instances
/// come from <see cref="Create"/>; <see cref="PluginCatalog.Unload"/> drops the context. After unloading
/// this object holds no reference into the plugin, so callers may keep it (e.g. for its <see cref="Info"/>).
/// </summary>
public sealed class LoadedPlugin
{
    private PluginLoadContext? _context;
    private Dictionary<string, Type>? _types;
    private readonly IReadOnlyDictionary<string, ConfigSchema> _configSchemas;

    internal LoadedPlugin(PluginManifest manifest, int generation, string source, PluginLoadContext context, Dictionary<string, Type> types,
        TimeSpan verifyTime, TimeSpan loadTime, SignatureCheck signature, string modelText, IReadOnlyDictionary<string, ConfigSchema> configSchemas)
    {
        Manifest = manifest;
        _configSchemas = configSchemas;
        ModelText = modelText;
        Generation = generation;
        Source = source;
        _context = context;
        _types = types;
        VerifyTime = verifyTime;
        LoadTime = loadTime;
        Signature = signature;
        LoadedAt = DateTimeOffset.UtcNow;
    }

    public PluginManifest Manifest { get; }
    public string Id => Manifest.Id;
    public SemVer Version => Manifest.Version;
    /// <summary>1 for the first load of this id in the catalog, then 2, 3... (side-by-side versions for replace).</summary>
    public int Generation { get; }
    public string Source { get; }
    public TimeSpan VerifyTime { get; }
    public TimeSpan LoadTime { get; }
    public SignatureCheck Signature { get; }
    public DateTimeOffset LoadedAt { get; }
    /// <summary>The package's VMN model file (<see cref="PluginManifest.Model"/>), for the activation gate.</summary>
    public string ModelText { get; }
    public bool IsLoaded => Volatile.Read(ref _context) is not null;
    /// <summary>The NF type names this plugin provides.</summary>
    public IReadOnlyList<string> NfTypes => [.. Manifest.Nfs.Select(n => n.Type)];
    /// <summary><c>acme.counter 1.2.0 #3</c></summary>
    public string DisplayName => $"{Id} {Version} #{Generation}";

    /// <summary>The compiled configSchema of NF type <paramref name="type"/>, or null when it declares none.</summary>
    public ConfigSchema? ConfigSchemaOf(string type) => _configSchemas.GetValueOrDefault(type);

    /// <summary>Problems with <paramref name="config"/> for a new instance of <paramref name="type"/>, each at its path under
    /// <paramref name="configPath"/> (e.g. <c>$.nfs.acct.config</c>); empty when the type declares no schema or the schema accepts it.</summary>
    public IReadOnlyList<ConfigSchemaProblem> CheckConfig(string type, System.Text.Json.JsonElement config, string configPath) =>
        ConfigSchemaOf(type)?.Validate(config, configPath) ?? [];

    internal PluginInfo Info(bool active) =>
        new(Id, Version, Manifest.Vendor, Generation, active, Manifest.Nfs, VerifyTime, LoadTime, Signature, Source, LoadedAt);

    /// <summary>A new instance of NF type <paramref name="type"/> (one per core, as the host builds replicas).</summary>
    public INetworkFunction Create(string type)
    {
        var types = Volatile.Read(ref _types) ?? throw new ObjectDisposedException(DisplayName, $"plugin {DisplayName} has been unloaded");
        return types.TryGetValue(type, out var t)
            ? (INetworkFunction)Activator.CreateInstance(t)!
            : throw new KeyNotFoundException($"plugin {DisplayName} provides no NF type '{type}' (it provides {string.Join(", ", NfTypes)})");
    }

    /// <summary>The CLR type behind an NF type (host-internal; holding it keeps the plugin loaded).</summary>
    internal Type? TypeOf(string type) => Volatile.Read(ref _types) is { } t && t.TryGetValue(type, out var x) ? x : null;

    /// <summary>Drops every reference into the plugin and starts unloading; the weak reference tells when it is gone.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal WeakReference Detach()
    {
        var context = Interlocked.Exchange(ref _context, null) ?? throw new InvalidOperationException($"plugin {DisplayName} is already unloaded");
        Volatile.Write(ref _types, null);
        var weak = new WeakReference(context, trackResurrection: true);
        context.Unload();
        return weak;
    }
}
