using Switchboard.Sdk.Runtime;

namespace Switchboard.Sdk;

/// <summary>What the host gives an NF instance while it builds its graph on one core.</summary>
public sealed class NfContext
{
    private readonly CoreContext _core;
    private readonly EventScheduler _events;

    internal NfContext(string instanceName, NfConfig config, CoreContext core, EventScheduler events, Action<string>? log, string? sharedScope = null)
    {
        InstanceName = instanceName;
        _sharedScope = sharedScope ?? instanceName;
        Config = config;
        _core = core;
        _events = events;
        _log = log ?? (_ => { });
    }

    private readonly Action<string> _log;
    private readonly string _sharedScope;

    /// <summary>The instance name from plugins.json (e.g. <c>"edge-ttl"</c>).</summary>
    public string InstanceName { get; }
    /// <summary>The instance's <c>config</c> object from plugins.json.</summary>
    public NfConfig Config { get; }
    /// <summary>Which core this replica runs on, 0-based.</summary>
    public int CoreId => _core.CoreId;
    /// <summary>How many cores run replicas of this NF.</summary>
    public int CoreCount => _core.CoreCount;
    /// <summary>The configured batch size.</summary>
    public int BatchSize => _core.BatchSize;

    /// <summary>An object shared by this instance's replicas on every core, created on first use
    /// (for bounded- or strict-consistency state). Keys are scoped to this instance and to its generation:
    /// a hot-replaced instance gets fresh objects, never its predecessor's (hand state over with
    /// <see cref="IStateHandover"/> instead).</summary>
    public T Shared<T>(string key, Func<T> create) where T : class =>
        _core.Shared.GetOrAdd($"nf:{_sharedScope}:{key}", create);

    /// <summary>Run <paramref name="action"/> on this core every <paramref name="period"/> (thesis' scheduled events).
    /// It runs between batches, never concurrently with this replica's packet processing.</summary>
    public void Every(TimeSpan period, Action action) => _events.Every(period, action, InstanceName);

    /// <summary>Run <paramref name="action"/> once on this core after <paramref name="delay"/>.</summary>
    public void After(TimeSpan delay, Action action) => _events.After(delay, action, InstanceName);

    /// <summary>Write a line to the host's log, tagged with the instance and core.</summary>
    public void Log(string message) => _log($"[{InstanceName}@{CoreId}] {message}");
}
