using Switchboard.Host.Config;
using Switchboard.Sdk;

namespace Switchboard.Host.Runtime;

/// <summary>
/// What a hot replace, insert or remove did. <see cref="Retired"/> holds the outgoing generation's NF
/// objects (one per core): nothing in the dataplane references them any more, so once the caller drops
/// them the plugin's load context can unload.
/// </summary>
/// <param name="SwapDelay">Per core: from posting the swap to the worker running it (its batch boundary).</param>
/// <param name="SwapWork">Per core: how long the swap itself took on the worker (state handover included).</param>
/// <param name="Grace">Until every core had passed the swap checkpoint (RCU grace period).</param>
/// <param name="DrainedPackets">Packets the old generation's queues moved after the swap (shuffle rings, group-by queues, windows).</param>
/// <param name="Drain">From the checkpoint until the old generation was retired on every core.</param>
/// <param name="Notes">State handover results and anything unusual, one line each.</param>
internal sealed record HotSwapReport(
    string Instance,
    string Operation,
    int? OldGeneration,
    int? NewGeneration,
    IReadOnlyList<TimeSpan> SwapDelay,
    IReadOnlyList<TimeSpan> SwapWork,
    TimeSpan Grace,
    long DrainedPackets,
    TimeSpan Drain,
    IReadOnlyList<INetworkFunction> Retired,
    IReadOnlyList<string> Notes)
{
    internal const string HandedOver = "handed over";

    /// <summary>Cores on which the old generation's state went to the new one (<see cref="IStateHandover"/>).</summary>
    public int CoresWithStateHandedOver => Notes.Count(n => n.Contains(": " + HandedOver + " ", StringComparison.Ordinal));

    public override string ToString() =>
        $"{Operation} {Instance}: generation {OldGeneration?.ToString() ?? "-"} -> {NewGeneration?.ToString() ?? "-"}, " +
        $"grace {Grace.TotalMilliseconds:F2} ms, swap on cores [{string.Join(", ", SwapWork.Select(t => $"{t.TotalMicroseconds:F0} us"))}], " +
        $"drained {DrainedPackets} packet(s) in {Drain.TotalMilliseconds:F2} ms";
}

/// <summary>A hot-swap request that was refused or failed before changing anything (unless a message says otherwise).</summary>
internal sealed class HotSwapException(IReadOnlyList<string> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    public HotSwapException(string error) : this([error]) { }
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>An NF instance as the control plane lists it.</summary>
internal sealed record NfStatus(
    string Name,
    string Type,
    string Chain,
    int Generation,
    long Faults,
    long FaultLimit,
    QuarantineAction OnQuarantine,
    bool Quarantined,
    string? QuarantineReason,
    string? LastFault);

/// <summary>An NF generation was quarantined: its slots drop or bypass on every core.</summary>
internal sealed record QuarantineEvent(string Instance, int Generation, string Reason, QuarantineAction Action);

/// <summary>The watchdog found core <paramref name="Core"/> making no progress for <paramref name="StalledFor"/>
/// while executing <paramref name="Instance"/> (null: host code, e.g. a port), or saw it recover.</summary>
internal sealed record WatchdogEvent(int Core, string? Instance, int? Generation, TimeSpan StalledFor, bool Recovered);
