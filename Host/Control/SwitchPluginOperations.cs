using System.Runtime.CompilerServices;
using Switchboard.Host.Plugins;
using Switchboard.Host.Runtime;
using Switchboard.Sdk;

namespace Switchboard.Host.Control;

/// <summary>
/// The control plane's plugin and chain operations on a running switch: packages are verified and loaded
/// by the <see cref="PluginCatalog"/>, NF instances are replaced, inserted and removed by the dataplane's
/// hot swap (batch boundaries, RCU grace, drained old queues), and a plugin generation is unloaded, its
/// collection confirmed, once no running instance comes from it. Operations are serialised.
/// </summary>
internal sealed class SwitchPluginOperations : IPluginOperations
{
    private readonly Dataplane _dp;
    private readonly NfRegistry _registry;
    private readonly PluginCatalog _catalog;
    private readonly BuiltInPlugins _builtIn;
    private readonly Action<string> _log;
    private readonly Lock _lock = new();
    // Which plugin generation each running instance's objects come from (absent: a built-in NF).
    private readonly Dictionary<string, LoadedPlugin> _sourceOf = new(StringComparer.Ordinal);

    private readonly bool _acceptUnknown;

    /// <param name="acceptUnknown">Let a hot change through when the activation gate cannot decide an invariant.</param>
    public SwitchPluginOperations(Dataplane dataplane, NfRegistry registry, PluginCatalog catalog, Action<string>? log = null, bool acceptUnknown = false)
    {
        (_dp, _registry, _catalog, _log, _acceptUnknown) = (dataplane, registry, catalog, log ?? (_ => { }), acceptUnknown);
        _builtIn = new BuiltInPlugins(registry);
        registry.AddPlugins(catalog);
        foreach (var (name, spec) in dataplane.RunningNfs)
            if (catalog.Provider(spec.Type) is { } p) _sourceOf[name] = p;
    }

    public IReadOnlyList<string> Unavailable { get; } = [];

    public bool SignatureRequired => _catalog.Options.RequireSignatures;

    public bool DeclaresConfigSchema(string type) => NfConfigSchemas.For(_catalog, type) is not null;

    public IReadOnlyList<PluginRecord> ListPlugins()
    {
        var packaged = _catalog.List();
        var builtIn = _builtIn.List().Select(p => p with { NfTypes = p.NfTypes.Where(t => _catalog.Provider(t) is null).ToList() });
        return [.. builtIn, .. packaged.Select(ToRecord)];
    }

    private static PluginRecord ToRecord(PluginInfo p) =>
        new(p.Id, p.Version.ToString(), p.Vendor, $"{p.Id} #{p.Generation}{(p.Active ? "" : " (inactive)")}", p.Source, BuiltIn: false,
            p.NfTypes.Select(n => n.Type).ToList(), PluginVerdict.Verified, p.Signature.KeyId ?? p.Signature.Detail, Verification: null);

    public Task<LoadOutcome> LoadPackageAsync(PackageInput package, CancellationToken cancel) => Task.Run(() =>
    {
        lock (_lock)
        {
            var opened = Open(package);
            if (_catalog.Active(opened.Manifest.Id) is { } existing)
                throw new PluginOperationException(PluginOperationError.AlreadyExists,
                    $"plugin {existing.DisplayName} is loaded already; to move running instances to {opened.Manifest.Id} {opened.Manifest.Version}, " +
                    $"use `ctl replace INSTANCE {package.DisplayName}`");
            var loaded = Load(opened);
            _log($"control: loaded {loaded.DisplayName}: NF types {string.Join(", ", loaded.NfTypes)}");
            return new LoadOutcome(ToRecord(_catalog.List().Single(p => p.Id == loaded.Id && p.Generation == loaded.Generation)), [], loaded.VerifyTime, loaded.LoadTime);
        }
    }, cancel);

    public Task<ReplaceOutcome> ReplaceAsync(string instance, Replacement replacement, CancellationToken cancel) => Task.Run(() =>
    {
        lock (_lock)
        {
            var running = RunningSpec(instance);
            LoadedPlugin? fresh = null;
            string type;
            Func<INetworkFunction> factory;
            if (replacement.Package is { } package)
            {
                fresh = Load(Open(package));
                type = replacement.NfType ?? (fresh.NfTypes.Contains(running.Type) ? running.Type
                    : fresh.NfTypes.Count == 1 ? fresh.NfTypes[0]
                    : throw Refuse(fresh, PluginOperationError.InvalidArgument,
                        $"{fresh.DisplayName} provides {string.Join(", ", fresh.NfTypes)}, none named '{running.Type}'; say which NF type replaces '{instance}'"));
                if (!fresh.NfTypes.Contains(type)) throw Refuse(fresh, PluginOperationError.InvalidArgument, $"{fresh.DisplayName} provides no NF type '{type}'");
                var source = fresh;
                factory = () => source.Create(type);
            }
            else
            {
                type = replacement.NfType ?? running.Type;
                factory = () => _registry.Create(type);
            }

            var incoming = running with { Type = type, Config = replacement.Config ?? running.Config };
            if (ConfigProblems(fresh, instance, type, incoming.Config) is { } problems)
            {
                string message = $"replace '{instance}' refused: {problems}";
                throw fresh is not null ? Refuse(fresh, PluginOperationError.InvalidArgument, message)
                    : new PluginOperationException(PluginOperationError.InvalidArgument, message + "; nothing was changed");
            }
            var model = fresh is null ? null : ((string File, string Text)?)(fresh.Source + "/" + fresh.Manifest.Model, fresh.ModelText);
            Gate($"replace '{instance}'", _dp.RunningChains, With(incoming), model is null ? null : spec => spec.Name == instance ? model : null, fresh,
                fresh is null ? null : spec => spec.Name == instance ? fresh.Create(type) as IModelConfig : null);
            var (report, cores, handedOver) = Swap(() => _dp.ReplaceNf(instance, factory, type, replacement.Config), fresh);
            if (fresh is not null) _catalog.Activate(fresh);
            var now = fresh ?? _catalog.Provider(type);
            if (now is null) _sourceOf.Remove(instance); else _sourceOf[instance] = now;
            string unloads = UnloadUnused();
            string detail = $"{report}{(handedOver > 0 ? $"; state handed over on {handedOver} core(s)" : "; the new instance starts with fresh state")}{unloads}";
            _log($"control: {detail}");
            return new ReplaceOutcome(instance, running.Type, type, cores, handedOver > 0, report.Grace + report.Drain, detail);
        }
    }, cancel);

    public Task<UnloadOutcome> UnloadAsync(string pluginId, CancellationToken cancel) => Task.Run(() =>
    {
        lock (_lock)
        {
            var generations = _catalog.Loaded.Where(p => p.Id == pluginId).ToList();
            if (generations.Count == 0)
            {
                if (_builtIn.List().Any(p => p.Id == pluginId))
                    throw new PluginOperationException(PluginOperationError.FailedPrecondition,
                        $"plugin '{pluginId}' is built into the host and cannot be unloaded; only plugins loaded from packages can.");
                throw new PluginOperationException(PluginOperationError.NotFound,
                    $"no plugin '{pluginId}' is loaded (loaded: {string.Join(", ", _catalog.Loaded.Select(p => p.Id).Distinct())})");
            }
            var users = _sourceOf.Where(kv => kv.Value.Id == pluginId).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
            if (users.Count > 0)
                throw new PluginOperationException(PluginOperationError.FailedPrecondition,
                    $"plugin '{pluginId}' still runs as NF instance(s) {string.Join(", ", users)}; remove or replace them first (`ctl remove CHAIN NF`)");
            var results = generations.Select(g => _catalog.Unload(g)).ToList();
            bool collected = results.All(r => r.Collected);
            var elapsed = TimeSpan.FromTicks(results.Sum(r => r.Elapsed.Ticks));
            string detail = collected
                ? $"unloaded {string.Join(", ", results.Select(r => r.Plugin.DisplayName))}; load context collected after {results.Sum(r => r.GcRounds)} GC round(s)"
                : string.Join("; ", results.Where(r => !r.Collected).Select(r => r.Alarm));
            _log($"control: {detail}");
            return new UnloadOutcome(pluginId, collected, elapsed, detail);
        }
    }, cancel);

    public Task<ChainChangeOutcome> CreateChainAsync(ChainDefinition chain, IReadOnlyList<NfDefinition> newInstances, CancellationToken cancel) => Task.Run(() =>
    {
        lock (_lock)
        {
            var running = _dp.RunningNfs;
            if (chain.Through.FirstOrDefault(running.ContainsKey) is { } taken)
                throw new PluginOperationException(PluginOperationError.InvalidArgument,
                    $"NF instance '{taken}' already runs in a chain, and an instance runs in one place; define a new instance for chain '{chain.Name}'");
            var defs = newInstances.ToDictionary(d => d.Name, StringComparer.Ordinal);
            foreach (var d in newInstances)
                if (ConfigProblems(null, d.Name, d.Type, d.Config) is { } problems)
                    throw new PluginOperationException(PluginOperationError.InvalidArgument, $"create chain '{chain.Name}' refused: {problems}; nothing was changed");
            var nfsAfter = running.ToDictionary(StringComparer.Ordinal);
            foreach (var d in newInstances) nfsAfter[d.Name] = new Config.NfSpec(d.Name, d.Type, d.Config, $"$.nfs.{d.Name}");
            var chainsAfter = _dp.RunningChains.Append(new Config.ChainSpec(chain.Name, chain.From, chain.Through, chain.To, "")).ToList();
            Gate($"create chain '{chain.Name}'", chainsAfter, nfsAfter, null, null, null);
            try { _dp.CreateChain(chain.Name, chain.From, chain.To); }
            catch (HotSwapException e) { throw new PluginOperationException(PluginOperationError.FailedPrecondition, $"{string.Join("; ", e.Errors)}; nothing was changed"); }
            var done = new List<string>();
            foreach (var (name, i) in chain.Through.Select((n, i) => (n, i)))
            {
                var def = defs[name];
                try { Swap(() => _dp.InsertNf(chain.Name, i, def.Name, def.Type, () => _registry.Create(def.Type), def.Config), null); }
                catch (PluginOperationException)
                {
                    _dp.DeleteChain(chain.Name); // all or nothing
                    throw;
                }
                if (_catalog.Provider(def.Type) is { } provider) _sourceOf[def.Name] = provider;
                done.Add(def.Name);
            }
            string detail = $"chain '{chain.Name}' runs on {_dp.Workers.Count} core(s) with {done.Count} NF instance(s)";
            _log($"control: {detail}");
            return new ChainChangeOutcome(Definition(ChainOf(chain.Name)), detail);
        }
    }, cancel);

    public Task<ChainChangeOutcome> DeleteChainAsync(string chain, CancellationToken cancel) => Task.Run(() =>
    {
        lock (_lock)
        {
            var spec = ChainOf(chain);
            var nfsAfter = _dp.RunningNfs.Where(kv => !spec.Through.Contains(kv.Key)).ToDictionary(StringComparer.Ordinal);
            Gate($"delete chain '{chain}'", _dp.RunningChains.Where(c => c.Name != chain).ToList(), nfsAfter, null, null, null);
            int removed = DeleteChainRetired(chain);
            foreach (var nf in spec.Through) _sourceOf.Remove(nf);
            string detail = $"removed {removed} NF instance(s); port '{spec.From}' is no longer read{UnloadUnused()}";
            _log($"control: deleted chain '{chain}': {detail}");
            return new ChainChangeOutcome(Definition(spec with { Through = [] }), detail);
        }
    }, cancel);

    /// <summary>Deletes the chain; its reports (and the retired NF objects in them) die with this frame.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int DeleteChainRetired(string chain)
    {
        try { return _dp.DeleteChain(chain).Length; }
        catch (HotSwapException e) { throw new PluginOperationException(PluginOperationError.FailedPrecondition, string.Join("; ", e.Errors)); }
    }

    public Task<ChainChangeOutcome> InsertNfAsync(string chain, string? existing, NfDefinition? created, int position, CancellationToken cancel) => Task.Run(() =>
    {
        lock (_lock)
        {
            if (created is null)
                throw new PluginOperationException(PluginOperationError.InvalidArgument,
                    $"NF instance '{existing}' already runs in a chain, and an instance runs in one place; insert a new instance (give it a name and a type)");
            var through = ChainOf(chain).Through;
            int at = Math.Clamp(position, 0, through.Count);
            string type = created.Type;
            var provider = _catalog.Provider(type);
            if (ConfigProblems(null, created.Name, type, created.Config) is { } problems)
                throw new PluginOperationException(PluginOperationError.InvalidArgument, $"insert '{created.Name}' refused: {problems}; nothing was changed");
            var chainsAfter = _dp.RunningChains.Select(c => c.Name != chain ? c : c with { Through = [.. c.Through.Take(at), created.Name, .. c.Through.Skip(at)] }).ToList();
            Gate($"insert '{created.Name}'", chainsAfter, With(new Config.NfSpec(created.Name, type, created.Config, $"$.nfs.{created.Name}")), null, null, null);
            var (report, _, _) = Swap(() => _dp.InsertNf(chain, at, created.Name, type, () => _registry.Create(type), created.Config), null);
            if (provider is not null) _sourceOf[created.Name] = provider;
            _log($"control: {report}");
            return new ChainChangeOutcome(Definition(ChainOf(chain)), report.ToString());
        }
    }, cancel);

    public Task<ChainChangeOutcome> RemoveNfAsync(string chain, string instance, CancellationToken cancel) => Task.Run(() =>
    {
        lock (_lock)
        {
            if (!ChainOf(chain).Through.Contains(instance))
                throw new PluginOperationException(PluginOperationError.NotFound, $"NF instance '{instance}' is not in chain '{chain}'");
            var chainsAfter = _dp.RunningChains.Select(c => c with { Through = c.Through.Where(n => n != instance).ToList() }).ToList();
            var nfsAfter = _dp.RunningNfs.Where(kv => kv.Key != instance).ToDictionary(StringComparer.Ordinal);
            Gate($"remove '{instance}'", chainsAfter, nfsAfter, null, null, null);
            var (report, _, _) = Swap(() => _dp.RemoveNf(instance), null);
            _sourceOf.Remove(instance);
            string detail = report + UnloadUnused();
            _log($"control: {detail}");
            return new ChainChangeOutcome(Definition(ChainOf(chain)), detail);
        }
    }, cancel);

    // ---- helpers ------------------------------------------------------------------------------------

    /// <summary>What the plugin's configSchema finds wrong with a new instance's config (null when nothing): checked
    /// before anything is built, each problem named by its plugins.json path (<c>$.nfs.NAME.config...</c>).</summary>
    /// <param name="fresh">A plugin generation being loaded for this change (its schema applies, not the active one's).</param>
    private string? ConfigProblems(LoadedPlugin? fresh, string instance, string type, System.Text.Json.JsonElement config)
    {
        var (schema, declaredBy) = fresh is not null ? (fresh.ConfigSchemaOf(type), fresh.DisplayName)
            : NfConfigSchemas.For(_catalog, type) is { } found ? (found.Schema, found.DeclaredBy) : (null, "");
        if (schema is null) return null;
        var problems = schema.Validate(config, JsonPath.Key(JsonPath.Key("$.nfs", instance), "config"));
        return problems.Count == 0 ? null
            : $"the config does not match the configSchema of NF type '{type}' ({declaredBy}): {string.Join("; ", problems)}";
    }

    /// <summary>The running NF instances with <paramref name="spec"/> added or replacing its namesake.</summary>
    private Dictionary<string, Config.NfSpec> With(Config.NfSpec spec)
    {
        var nfs = _dp.RunningNfs.ToDictionary(StringComparer.Ordinal);
        nfs[spec.Name] = spec;
        return nfs;
    }

    /// <summary>VMN activation gate: the operator's invariants must still hold after the change; otherwise nothing
    /// changes (an incoming plugin generation is unloaded) and the refusal carries the verdicts and counterexamples.</summary>
    private void Gate(string change, IReadOnlyList<Config.ChainSpec> chains, IReadOnlyDictionary<string, Config.NfSpec> nfs,
        Func<Config.NfSpec, (string File, string Text)?>? incomingModel, LoadedPlugin? fresh, Func<Config.NfSpec, IModelConfig?>? incomingConfigurator)
    {
        var d = _dp.Deployment;
        if (d.Invariants.Count == 0) return;
        var configurator = Activation.ActivationGate.ConfiguratorOf(_registry);
        var outcome = Activation.ActivationGate.Check(d.Ports, chains, nfs, d.Invariants,
            spec => incomingModel?.Invoke(spec) ?? _registry.ModelOf(spec.Type), _acceptUnknown, default,
            spec => incomingConfigurator?.Invoke(spec) ?? configurator(spec));
        string verdicts = string.Join("; ", outcome.Lines);
        if (outcome.Allowed) { _log($"control: policy check for {change}: {verdicts}"); return; }
        if (fresh is not null) _catalog.Unload(fresh);
        throw new PluginOperationException(PluginOperationError.FailedPrecondition,
            $"{change} refused by the policy check, the running switch is unchanged: {verdicts}");
    }

    /// <summary>Runs a hot swap and returns only plain data: the report's retired NF objects must not outlive this
    /// frame, or the old plugin's load context could not be collected. A failed swap unloads <paramref name="fresh"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private (SwapSummary Report, int Cores, int HandedOver) Swap(Func<HotSwapReport> swap, LoadedPlugin? fresh)
    {
        try
        {
            var r = swap();
            return (new SwapSummary(r.ToString(), r.Grace, r.Drain), r.SwapWork.Count, r.CoresWithStateHandedOver);
        }
        catch (HotSwapException e)
        {
            if (fresh is not null) _catalog.Unload(fresh);
            throw new PluginOperationException(PluginOperationError.FailedPrecondition, $"{string.Join("; ", e.Errors)}; the running switch is unchanged");
        }
    }

    private readonly record struct SwapSummary(string Text, TimeSpan Grace, TimeSpan Drain)
    {
        public override string ToString() => Text;
    }

    /// <summary>Unload every plugin generation that is neither active nor the source of a running instance.</summary>
    private string UnloadUnused()
    {
        var unused = _catalog.Loaded.Where(p => _catalog.Active(p.Id) != p && !_sourceOf.ContainsValue(p)).ToList();
        var parts = unused.Select(p => _catalog.Unload(p)).Select(r => r.Collected
            ? $"unloaded {r.Plugin.DisplayName} (collected in {r.Elapsed.TotalMilliseconds:F1} ms)"
            : r.Alarm!);
        return string.Concat(parts.Select(p => "; " + p));
    }

    private static PluginPackage Open(PackageInput input)
    {
        if (input.Path is { } path) return Guard(input, () => PluginPackage.Open(path));
        if (input.Content is not { } content)
            throw new PluginOperationException(PluginOperationError.InvalidArgument, "the package has neither a path nor content");
        // An uploaded package is a zip: written under its own name into a private folder, read back into memory
        // once (that is all the catalog uses), and deleted at once.
        string name = Path.GetFileName(input.FileName ?? "") is { Length: > 0 } n && n.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) ? n : "upload.zip";
        string dir = Path.Combine(Path.GetTempPath(), $"switchboard-upload-{Guid.NewGuid():N}");
        try
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(dir);
            else Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            string temp = Path.Combine(dir, name);
            using (var f = new FileStream(temp, FileMode.CreateNew, FileAccess.Write)) f.Write(content.Span);
            return Guard(input, () => PluginPackage.Open(temp));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private LoadedPlugin Load(PluginPackage package) => Guard(package.Source, () => _catalog.Load(package));

    private static T Guard<T>(PackageInput input, Func<T> f) => Guard(input.DisplayName, f);

    private static T Guard<T>(string name, Func<T> f)
    {
        try { return f(); }
        catch (PluginRefusedException e)
        {
            throw new PluginOperationException(PluginOperationError.Refused,
                $"{name}: refused at the {e.Stage.ToString().ToLowerInvariant()} stage, nothing was loaded: {string.Join("; ", e.Problems)}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PluginOperationException(PluginOperationError.FailedPrecondition, $"{name}: cannot be read: {e.Message}");
        }
    }

    private PluginOperationException Refuse(LoadedPlugin fresh, PluginOperationError error, string message)
    {
        _catalog.Unload(fresh);
        return new PluginOperationException(error, message + "; nothing was changed");
    }

    private Config.NfSpec RunningSpec(string instance) =>
        _dp.RunningNfs.TryGetValue(instance, out var spec) ? spec
            : throw new PluginOperationException(PluginOperationError.NotFound, $"no NF instance '{instance}' runs in this switch");

    private Config.ChainSpec ChainOf(string chain) =>
        _dp.RunningChains.FirstOrDefault(c => c.Name == chain)
            ?? throw new PluginOperationException(PluginOperationError.NotFound, $"no chain '{chain}'");

    private static ChainDefinition Definition(Config.ChainSpec c) => new(c.Name, c.From, c.Through, c.To);
}
