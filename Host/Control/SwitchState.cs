using System.Diagnostics;
using Switchboard.Host.Config;
using Switchboard.Host.Runtime;

namespace Switchboard.Host.Control;

/// <summary>What the control services read and act on: the running dataplane, the NF types the host
/// knows, and the plugin operations. One per running switch.</summary>
internal sealed class SwitchState(Dataplane dataplane, NfRegistry registry, IPluginOperations operations, Action<string> log)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public Dataplane Dataplane { get; } = dataplane;
    public NfRegistry Registry { get; } = registry;
    public IPluginOperations Operations { get; } = operations;
    public Action<string> Log { get; } = log;

    /// <summary>When the dataplane started (or, before <see cref="MarkStarted"/>, when this state was made).</summary>
    public DateTimeOffset StartedAt { get; private set; } = DateTimeOffset.UtcNow;
    public double UptimeSeconds => _clock.Elapsed.TotalSeconds;

    // What runs now, after any hot insert, replace or remove.
    public IReadOnlyList<ChainSpec> Chains => Dataplane.RunningChains;
    public IReadOnlyDictionary<string, NfSpec> NfSpecs => Dataplane.RunningNfs;

    public void MarkStarted()
    {
        StartedAt = DateTimeOffset.UtcNow;
        _clock.Restart();
    }
}
