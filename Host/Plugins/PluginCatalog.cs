using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using Switchboard.Host.Plugins.Signing;
using Switchboard.Host.Verification;
using Switchboard.Sdk;

namespace Switchboard.Host.Plugins;

/// <summary>
/// The host's loaded plugins. <see cref="Load"/> opens a package, checks its signature, verifies every
/// assembly, loads those bytes into a fresh collectible context, resolves the NF types and instantiates
/// each once; any failure refuses the whole package. Several generations of one id may be loaded side by
/// side (for replace); one is active, and the active generations' NF types are what <see cref="Create"/>
/// and the NF registry resolve. <see cref="Unload"/> confirms collection and raises <see cref="Alarm"/> if not.
/// Thread-safe; nothing here is on the packet path.
/// </summary>
public sealed class PluginCatalog
{
    private readonly object _lock = new();
    private readonly List<LoadedPlugin> _loaded = [];
    private readonly Dictionary<string, LoadedPlugin> _active = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _generations = new(StringComparer.Ordinal);

    public PluginCatalog(PluginHostOptions? options = null) => Options = options ?? new PluginHostOptions();

    public PluginHostOptions Options { get; }

    /// <summary>An unloaded plugin was not collected in time (something still references its objects).</summary>
    public event Action<PluginAlarm>? Alarm;

    /// <summary>
    /// Opens, checks, verifies and loads the package at <paramref name="path"/>. The new generation becomes
    /// active when no generation of its id is active (otherwise it waits for <see cref="Activate"/>).
    /// </summary>
    /// <exception cref="PluginRefusedException">The package was refused; nothing stays loaded.</exception>
    public LoadedPlugin Load(string path)
    {
        var package = PluginPackage.Open(path, Options.Limits);
        return Load(package);
    }

    /// <summary>Loads an already opened package (see <see cref="Load(string)"/>).</summary>
    public LoadedPlugin Load(PluginPackage package)
    {
        var manifest = package.Manifest;
        var signature = CheckSignature(package);

        var verifyClock = Stopwatch.StartNew();
        var problems = new List<PluginProblem>();
        foreach (var file in manifest.Assemblies)
        {
            var result = PluginVerifier.Verify(package.File(file), Options.Policy);
            problems.AddRange(result.Violations.Select(v => new PluginProblem($"{package.Source}: {file}", v.ToString())));
        }
        var verifyTime = verifyClock.Elapsed;
        if (problems.Count > 0) throw new PluginRefusedException(package.Source, RefusalStage.Verification, problems);

        int generation;
        lock (_lock)
        {
            CheckConflicts(package);
            generation = _generations[manifest.Id] = _generations.GetValueOrDefault(manifest.Id) + 1;
        }

        var loadClock = Stopwatch.StartNew();
        var plugin = LoadContext(package, generation, verifyTime, signature, Options.Policy, loadClock);
        lock (_lock)
        {
            CheckConflicts(package); // another thread may have loaded a clashing plugin meanwhile
            _loaded.Add(plugin);
            _active.TryAdd(manifest.Id, plugin);
        }
        return plugin;
    }

    private SignatureCheck CheckSignature(PluginPackage package)
    {
        var check = PackageSignature.Check(package, Options.Trust);
        string where = package.Source + (Directory.Exists(package.Source) ? "/" : "!") + PluginManifest.SignatureFileName;
        if (check.State == SignatureState.Invalid)
            throw new PluginRefusedException(package.Source, RefusalStage.Signature, where, check.Detail);
        if (Options.RequireSignatures && check.State != SignatureState.Trusted)
            throw new PluginRefusedException(package.Source, RefusalStage.Signature, package.Source,
                check.State == SignatureState.Unsigned
                    ? "unsigned, and this host requires plugins signed by a trusted key (switchboard plugin sign)"
                    : $"{check.Detail}; this host requires plugins signed by a trusted key");
        return check;
    }

    /// <summary>NF type names are global: another plugin id may not provide one this package provides.</summary>
    private void CheckConflicts(PluginPackage package)
    {
        var problems = new List<PluginProblem>();
        foreach (var nf in package.Manifest.Nfs)
            foreach (var other in _loaded)
                if (other.Id != package.Manifest.Id && other.NfTypes.Contains(nf.Type))
                    problems.Add(new PluginProblem(package.Source, $"NF type '{nf.Type}' is already provided by plugin {other.DisplayName}"));
        if (problems.Count > 0) throw new PluginRefusedException(package.Source, RefusalStage.Load, problems.Distinct().ToList());
    }

    // Kept out of line so no local here outlives a failed load (the context must be collectable).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static LoadedPlugin LoadContext(PluginPackage package, int generation, TimeSpan verifyTime, SignatureCheck signature,
        VerifierPolicy policy, Stopwatch clock)
    {
        var manifest = package.Manifest;
        string name = $"{manifest.Id} {manifest.Version} #{generation}";
        var verified = package.AssemblyNames.ToDictionary(kv => kv.Value, kv => package.Bytes(kv.Key), StringComparer.Ordinal);
        var context = new PluginLoadContext(name, verified, policy);
        var types = new Dictionary<string, Type>(StringComparer.Ordinal);
        var problems = new List<PluginProblem>();
        try
        {
            var assemblies = manifest.Assemblies.Select(f => context.LoadVerified(package.AssemblyNames[f])).ToList();
            foreach (var nf in manifest.Nfs)
            {
                var type = assemblies.Select(a => a.GetType(nf.EntryType, throwOnError: false)).FirstOrDefault(t => t is not null);
                string where = $"{package.Source}: {nf.EntryType}";
                if (type is null) { problems.Add(new PluginProblem(where, "type not found after loading")); continue; }
                if (!typeof(INetworkFunction).IsAssignableFrom(type) || type.IsAbstract || !type.IsPublic || type.GetConstructor(Type.EmptyTypes) is null)
                {
                    problems.Add(new PluginProblem(where, "an NF must be a public concrete class implementing Switchboard.Sdk.INetworkFunction with a public parameterless constructor"));
                    continue;
                }
                if (type.GetCustomAttribute<NetworkFunctionAttribute>()?.Name != nf.Type)
                {
                    problems.Add(new PluginProblem(where, $"its [NetworkFunction] name is not '{nf.Type}'"));
                    continue;
                }
                try { _ = PluginCode.Run(() => (INetworkFunction)Activator.CreateInstance(type)!, "the constructor"); }
                catch (TargetInvocationException e) { problems.Add(new PluginProblem(where, $"the constructor threw {e.InnerException?.GetType().Name}: {e.InnerException?.Message}")); continue; }
                catch (PluginCodeTimeoutException e) { problems.Add(new PluginProblem(where, e.Message)); continue; }
                types[nf.Type] = type;
            }
        }
        catch (Exception e) when (e is FileLoadException or BadImageFormatException or TypeLoadException or FileNotFoundException or ReflectionTypeLoadException)
        {
            problems.Add(new PluginProblem(package.Source, $"{e.GetType().Name}: {e.Message}"));
        }
        problems.AddRange(context.Refusals.Distinct().Select(r => new PluginProblem(package.Source, r)));
        if (problems.Count > 0)
        {
            types.Clear();
            context.Unload();
            throw new PluginRefusedException(package.Source, RefusalStage.Load, problems.Distinct().ToList());
        }
        return new LoadedPlugin(manifest, generation, package.Source, context, types, verifyTime, clock.Elapsed, signature,
            System.Text.Encoding.UTF8.GetString(package.File(manifest.Model).Span), package.ConfigSchemas);
    }

    /// <summary>Makes <paramref name="plugin"/> the active generation of its id (after a replace has swapped it in).</summary>
    public void Activate(LoadedPlugin plugin)
    {
        lock (_lock)
        {
            if (!_loaded.Contains(plugin)) throw new InvalidOperationException($"plugin {plugin.DisplayName} is not loaded in this catalog");
            _active[plugin.Id] = plugin;
        }
    }

    /// <summary>Every loaded generation, active or not.</summary>
    public IReadOnlyList<PluginInfo> List()
    {
        lock (_lock)
            return [.. _loaded.OrderBy(p => p.Id, StringComparer.Ordinal).ThenBy(p => p.Generation)
                              .Select(p => p.Info(_active.TryGetValue(p.Id, out var a) && a == p))];
    }

    /// <summary>Loaded generations (the objects, e.g. to unload one).</summary>
    public IReadOnlyList<LoadedPlugin> Loaded { get { lock (_lock) return [.. _loaded]; } }

    /// <summary>The active generation of <paramref name="id"/>, or null.</summary>
    public LoadedPlugin? Active(string id)
    {
        lock (_lock) return _active.GetValueOrDefault(id);
    }

    /// <summary>NF type names the active generations provide.</summary>
    public IReadOnlySet<string> NfTypes
    {
        get { lock (_lock) return _active.Values.SelectMany(p => p.NfTypes).ToHashSet(StringComparer.Ordinal); }
    }

    /// <summary>The active plugin providing NF type <paramref name="type"/>, or null.</summary>
    public LoadedPlugin? Provider(string type)
    {
        lock (_lock) return _active.Values.FirstOrDefault(p => p.NfTypes.Contains(type));
    }

    /// <summary>Problems the active provider's configSchema finds with <paramref name="config"/> for NF type <paramref name="type"/>
    /// (see <see cref="LoadedPlugin.CheckConfig"/>); empty for built-in types and types without a schema.</summary>
    public IReadOnlyList<ConfigSchemaProblem> CheckConfig(string type, System.Text.Json.JsonElement config, string configPath) =>
        Provider(type)?.CheckConfig(type, config, configPath) ?? [];

    /// <summary>A new instance of NF type <paramref name="type"/> from the active generation that provides it.</summary>
    public INetworkFunction Create(string type) =>
        (Provider(type) ?? throw new KeyNotFoundException($"no loaded plugin provides NF type '{type}'")).Create(type);

    /// <summary>
    /// Removes <paramref name="plugin"/> from the catalog, unloads its context and waits up to
    /// <paramref name="timeout"/> (default <see cref="PluginHostOptions.UnloadTimeout"/>) for the GC to collect it.
    /// Callers must have dropped every NF instance it created first. When it is still alive the result says
    /// so and <see cref="Alarm"/> fires, naming the plugin; the context is then collected whenever the last
    /// reference goes.
    /// </summary>
    public UnloadResult Unload(LoadedPlugin plugin, TimeSpan? timeout = null)
    {
        PluginInfo info;
        lock (_lock)
        {
            if (!_loaded.Remove(plugin)) throw new InvalidOperationException($"plugin {plugin.DisplayName} is not loaded in this catalog");
            info = plugin.Info(_active.TryGetValue(plugin.Id, out var a) && a == plugin) with { Active = false };
            if (_active.TryGetValue(plugin.Id, out a) && a == plugin) _active.Remove(plugin.Id);
        }
        var clock = Stopwatch.StartNew();
        var weak = plugin.Detach();
        int rounds = WaitForCollection(weak, timeout ?? Options.UnloadTimeout);
        if (!weak.IsAlive) return new UnloadResult(info, true, clock.Elapsed, rounds, null);

        string message = $"plugin {info.DisplayName} was unloaded but is still alive after {clock.Elapsed.TotalSeconds:F1} s " +
                         $"({rounds} collections): something still holds one of its objects, types or delegates";
        Alarm?.Invoke(new PluginAlarm(info, message, DateTimeOffset.UtcNow));
        return new UnloadResult(info, false, clock.Elapsed, rounds, message);
    }

    /// <summary>Collects until the context is gone or the time is up; returns the number of GC rounds.</summary>
    internal static int WaitForCollection(WeakReference weak, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        int rounds = 0;
        while (weak.IsAlive)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            rounds++;
            if (!weak.IsAlive || clock.Elapsed >= timeout) break;
            if (rounds > 3) Thread.Sleep(Math.Min(50, rounds * 5));
        }
        return rounds;
    }
}
