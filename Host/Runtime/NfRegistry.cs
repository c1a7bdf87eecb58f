using System.Reflection;
using Switchboard.Sdk;

namespace Switchboard.Host.Runtime;

/// <summary>NF types the host can instantiate, found by their <see cref="NetworkFunctionAttribute"/>.
/// Until plugin loading lands, these are the in-tree NFs, written exactly as plugins.</summary>
internal sealed class NfRegistry
{
    private readonly Dictionary<string, NfType> _types = new(StringComparer.Ordinal);

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

    public IReadOnlySet<string> Names => _types.Keys.ToHashSet();
    public IEnumerable<NfType> Types => _types.Values.OrderBy(t => t.Name);

    public INetworkFunction Create(string name) =>
        _types.TryGetValue(name, out var t)
            ? (INetworkFunction)Activator.CreateInstance(t.Type)!
            : throw new KeyNotFoundException($"Unknown NF type '{name}'.");
}
