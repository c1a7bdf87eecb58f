using System.Collections.Concurrent;
using Switchboard.Host.Config;

namespace Switchboard.Host.Runtime;

/// <summary>
/// Fault containment: every exception thrown by an NF's code (a node's user function, a timer action,
/// an exception escaping its graph, state export/import) is counted for its generation across all cores;
/// at the instance's limit the generation is quarantined: its slot on every core switches to drop or
/// bypass (the operator's policy) and its timers are cancelled. A watchdog-detected stall quarantines too.
/// </summary>
internal sealed partial class Dataplane
{
    private readonly ConcurrentQueue<WatchdogEvent> _watchdogEvents = new();

    /// <summary>Raised (on the faulting worker's or the watchdog's thread) when an NF is quarantined.</summary>
    public event Action<QuarantineEvent>? QuarantineRaised;
    /// <summary>Raised on the watchdog thread when a core stalls or recovers.</summary>
    public event Action<WatchdogEvent>? WatchdogRaised;
    /// <summary>Every watchdog report so far.</summary>
    public IReadOnlyList<WatchdogEvent> WatchdogEvents => _watchdogEvents.ToList();

    /// <summary>Every NF instance with its generation, fault count and quarantine state.</summary>
    public IReadOnlyList<NfStatus> NfStatuses()
    {
        lock (_control) return _chains.SelectMany(c => c.Through).Select(n => StatusOf(_instances[n])).ToList();
    }

    private static NfStatus StatusOf(NfInstanceState inst)
    {
        var g = inst.Current;
        return new NfStatus(inst.Name, g?.Type ?? "-", inst.Chain, g?.Number ?? -1, g?.Faults ?? 0, inst.Faults.Limit, inst.Faults.OnQuarantine,
            g?.Quarantined ?? false, g?.QuarantineReason, g?.LastFault);
    }

    /// <summary>Quarantine an NF by hand (operator request). False when it already was.</summary>
    public bool QuarantineNf(string instance, string reason)
    {
        lock (_control)
            return Find(instance).Current is { } gen && Quarantine(gen, reason);
    }

    private void OnReplicaFault(NfReplica rep, string where, Exception e)
    {
        var gen = rep.Generation;
        if (gen.CountFault(where, e))
            Quarantine(gen, $"{gen.Faults} fault(s) reached the limit of {gen.Instance.Faults.Limit}; last: {gen.LastFault}");
    }

    /// <summary>Switch every core's slot of <paramref name="gen"/> to the instance's quarantine mode (posted to each
    /// worker, so a stuck core applies it when it returns) and cancel its timers. Any thread.</summary>
    private bool Quarantine(NfGeneration gen, string reason)
    {
        if (!gen.TryQuarantine(reason)) return false;
        var inst = gen.Instance;
        var action = inst.Faults.OnQuarantine;
        var mode = action == QuarantineAction.Bypass ? SlotMode.Bypass : SlotMode.Drop;
        Log($"NF '{inst.Name}' ({gen.Type}, generation {gen.Number}) quarantined on every core: {reason}. " +
            (mode == SlotMode.Bypass ? "Its chain now bypasses it." : "Its chain now drops the traffic it would have handled."));
        for (int k = 0; k < _workers.Count; k++)
        {
            var slot = inst.Slots[k];
            var rep = gen.Replicas[k];
            if (rep is null) continue;
            _ = _workers[k].Post(() =>
            {
                if (slot.Active != rep) return; // replaced meanwhile
                slot.Mode = mode;
                rep.Events.Cancel(inst.Name);
            });
        }
        var ev = new QuarantineEvent(inst.Name, gen.Number, reason, action);
        try { QuarantineRaised?.Invoke(ev); }
        catch (Exception e) { Log($"a quarantine listener failed: {e.Message}"); }
        return true;
    }

    /// <summary>Watchdog: core <paramref name="core"/> made no progress for <paramref name="stalledFor"/>.</summary>
    internal void OnWorkerStalled(int core, TimeSpan stalledFor)
    {
        var rep = Volatile.Read(ref _workers[core].Current);
        var ev = new WatchdogEvent(core, rep?.Name, rep?.Generation.Number, stalledFor, Recovered: false);
        Log($"watchdog: core {core} has made no progress for {stalledFor.TotalMilliseconds:F0} ms " +
            (rep is null ? "in host code." : $"inside NF '{rep.Name}' (generation {rep.Generation.Number}); quarantining it on every core so the others keep forwarding.") +
            " A .NET thread cannot be aborted: the core stays stuck until that code returns.");
        if (rep is not null) Quarantine(rep.Generation, $"watchdog: core {core} stuck in it for {stalledFor.TotalMilliseconds:F0} ms");
        Raise(ev);
    }

    internal void OnWorkerRecovered(int core, TimeSpan stalledFor)
    {
        Log($"watchdog: core {core} is making progress again after {stalledFor.TotalMilliseconds:F0} ms.");
        Raise(new WatchdogEvent(core, null, null, stalledFor, Recovered: true));
    }

    private void Raise(WatchdogEvent ev)
    {
        _watchdogEvents.Enqueue(ev);
        try { WatchdogRaised?.Invoke(ev); }
        catch (Exception e) { Log($"a watchdog listener failed: {e.Message}"); }
    }
}
