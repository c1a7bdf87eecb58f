using System.Reflection;
using System.Runtime.Loader;
using Switchboard.Host.Verification;

namespace Switchboard.Host.Plugins;

/// <summary>
/// One plugin generation's collectible load context. It resolves exactly three kinds of assembly:
/// the Sdk (the host's own copy, so <c>INetworkFunction</c> and <c>Pipe</c> are the host's types), the framework
/// assemblies the verifier policy allows (from the default context), and the package's own verified assemblies
/// (from their in-memory bytes). Anything else, and every native library, is refused. See README.md for why
/// this is not McMaster.NETCore.Plugins.
/// </summary>
internal sealed class PluginLoadContext : AssemblyLoadContext
{
    private static readonly Assembly s_sdk = typeof(Switchboard.Sdk.INetworkFunction).Assembly;

    private readonly string _plugin;
    private readonly Dictionary<string, byte[]> _verified;
    private readonly object _loadLock = new();
    private readonly VerifierPolicy _policy;
    private readonly List<string> _refusals = [];

    /// <param name="plugin">Shown in errors and as the context's name (<c>acme.counter 1.0.0 #2</c>).</param>
    /// <param name="verified">Simple name → the exact bytes the verifier passed.</param>
    public PluginLoadContext(string plugin, IReadOnlyDictionary<string, byte[]> verified, VerifierPolicy policy)
        : base("plugin:" + plugin, isCollectible: true)
    {
        _plugin = plugin;
        _verified = new Dictionary<string, byte[]>(verified, StringComparer.OrdinalIgnoreCase);
        _policy = policy;
    }

    /// <summary>What the context refused to resolve (assemblies and native libraries), for diagnostics.</summary>
    public IReadOnlyList<string> Refusals { get { lock (_refusals) return [.. _refusals]; } }

    /// <summary>Loads (or returns) a package assembly by simple name from its verified bytes.</summary>
    public Assembly LoadVerified(string simpleName)
    {
        lock (_loadLock)
        {
            // No cache of our own: a context holding its Assembly objects is never collected (the runtime keeps the
            // context alive through a handle until its assemblies are gone), so ask the context what it has loaded.
            foreach (var loaded in Assemblies)
                if (string.Equals(loaded.GetName().Name, simpleName, StringComparison.OrdinalIgnoreCase)) return loaded;
            if (!_verified.TryGetValue(simpleName, out var bytes)) throw new InvalidOperationException($"{_plugin}: '{simpleName}' is not a verified assembly of this package");
            // LoadFromStream copies the image; the array stays private to the package, so what runs is what was verified.
            using var s = new MemoryStream(bytes, writable: false);
            return LoadFromStream(s);
        }
    }

    protected override Assembly? Load(AssemblyName name)
    {
        string simple = name.Name ?? "";
        if (simple == s_sdk.GetName().Name) return s_sdk;
        if (_verified.ContainsKey(simple)) return LoadVerified(simple);
        // Allowed framework assemblies come from the default context: one copy, shared with the host.
        if (_policy.IsAssemblyAllowed(simple) && simple != _policy.SdkAssemblyName) return Default.LoadFromAssemblyName(name);
        string message = $"plugin {_plugin} asked for assembly '{name}', which is neither in its package nor on the allow-list: refused";
        lock (_refusals) _refusals.Add(message);
        throw new FileLoadException(message, name.FullName);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        string message = $"plugin {_plugin} asked for native library '{unmanagedDllName}': plugins never load native code";
        lock (_refusals) _refusals.Add(message);
        throw new DllNotFoundException(message);
    }
}
