using System.Reflection;
using Switchboard.Host.Plugins;
using Switchboard.Sdk;

namespace Switchboard.Host.Runtime;

/// <summary>NF types the host can instantiate, found by their <see cref="NetworkFunctionAttribute"/>.
/// The in-tree NFs (built in, written exactly as plugins) and, once <see cref="AddPlugins"/> is called, the NF types
/// of the catalog's active plugin generations, looked up live so an unloaded plugin is never held here. A plugin
/// type shadows a built-in one of the same name (an operator may run a newer packaged version of an in-tree NF).</summary>
internal sealed class NfRegistry
{
    private readonly Dictionary<string, NfType> _types = new(StringComparer.Ordinal);
    private PluginCatalog? _plugins;

    /// <summary>Resolve NF types from <paramref name="catalog"/>'s active plugins too.</summary>
    public void AddPlugins(PluginCatalog catalog) => _plugins = catalog;

    public sealed record NfType(string Name, string Description, Type Type, string Assembly);

    public static NfRegistry BuiltIn()
    {
        var r = new NfRegistry();
        r.AddAssembly(typeof(Switchboard.Plugins.Ttl.TtlNf).Assembly);
        r.AddAssembly(typeof(Switchboard.Plugins.Monitor.MonitorNf).Assembly);
        r.AddAssembly(typeof(Switchboard.Plugins.Nat.NatNf).Assembly);
        r.AddAssembly(typeof(Switchboard.Plugins.Maglev.MaglevNf).Assembly);
        r.AddAssembly(typeof(Switchboard.Plugins.Firewall.FirewallNf).Assembly);
        r.AddAssembly(typeof(Switchboard.Plugins.Lpm.LpmNf).Assembly);
        r.AddAssembly(typeof(Switchboard.Plugins.Ips.IpsNf).Assembly);
        return r;
    }

    public void AddAssembly(Assembly assembly)
    {
        foreach (var t in assembly.GetExportedTypes())
        {
            var attr = t.GetCustomAttribute<NetworkFunctionAttribute>();
            if (attr is null) continue;
            if (!typeof(INetworkFunction).IsAssignableFrom(t) || t.IsAbstract || t.GetConstructor(Type.EmptyTypes) is null)
                throw new InvalidOperationException($"{t.FullName} in {assembly.GetName().Name}: an NF must be a concrete INetworkFunction with a public parameterless constructor.");
            if (_types.TryGetValue(attr.Name, out var existing))
                throw new InvalidOperationException($"NF type '{attr.Name}' is defined twice: {existing.Type.FullName} and {t.FullName}.");
            _types[attr.Name] = new NfType(attr.Name, attr.Description, t, assembly.GetName().Name ?? "?");
        }
    }

    public IReadOnlySet<string> Names => _plugins is null ? _types.Keys.ToHashSet() : _types.Keys.Union(_plugins.NfTypes).ToHashSet();

    /// <summary>The in-tree NF types (whether or not a plugin shadows them).</summary>
    public IEnumerable<NfType> BuiltInTypes => _types.Values.OrderBy(t => t.Name);

    public IEnumerable<NfType> Types => _types.Values.Where(t => _plugins?.Provider(t.Name) is null).Concat(PluginTypes()).OrderBy(t => t.Name);

    private IEnumerable<NfType> PluginTypes() =>
        from p in _plugins?.Loaded ?? [] where _plugins!.Active(p.Id) == p
        from nf in p.Manifest.Nfs
        let type = p.TypeOf(nf.Type) where type is not null
        select new NfType(nf.Type, nf.Description, type, $"plugin {p.DisplayName}");

    /// <summary>The VMN model file of NF type <paramref name="name"/> (file name, text): a plugin package's model, or the
    /// <c>.vmn</c> an in-tree NF embeds in its assembly; null when it has none.</summary>
    public (string File, string Text)? ModelOf(string name)
    {
        if (_plugins?.Provider(name) is { } plugin) return (plugin.Source + "/" + plugin.Manifest.Model, plugin.ModelText);
        if (!_types.TryGetValue(name, out var t)) return null;
        var assembly = t.Type.Assembly;
        var resource = assembly.GetManifestResourceNames().FirstOrDefault(r => r.EndsWith(".vmn", StringComparison.Ordinal));
        if (resource is null) return null;
        using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
        return ($"{assembly.GetName().Name}/{resource}", reader.ReadToEnd());
    }

    public INetworkFunction Create(string name) =>
        _plugins?.Provider(name) is { } plugin ? plugin.Create(name)
        : _types.TryGetValue(name, out var t) ? (INetworkFunction)Activator.CreateInstance(t.Type)!
        : throw new KeyNotFoundException($"Unknown NF type '{name}'.");
}
