using System.Diagnostics;

namespace Switchboard.Sdk.Runtime;

/// <summary>
/// Scheduled events for one core (thesis 3.1.1 "invocation nodes"): timers kept in a priority queue
/// and fired between batches by the core's scheduler. A throwing action is counted and logged, and
/// a periodic one keeps its schedule. A periodic event that fell behind (a long stall) fires once and
/// skips the missed periods, keeping its phase, rather than firing in a burst.
/// </summary>
/// <param name="log">Where failures are reported.</param>
/// <param name="clock">Current time in <see cref="Stopwatch"/> ticks (the core's clock; tests pass a fake one).</param>
/// <param name="onFault">Told of every failed action with its owner (the host's per-NF fault accounting).</param>
internal sealed class EventScheduler(Action<string>? log = null, Func<long>? clock = null, Action<string, Exception>? onFault = null) : ISchedulable
{
    // Priority (due, sequence): events due at the same tick run in the order they were scheduled.
    private readonly PriorityQueue<Entry, (long Due, long Seq)> _queue = new();
    private long _seq;
    private readonly Action<string> _log = log ?? (_ => { });
    private readonly Func<long> _clock = clock ?? Stopwatch.GetTimestamp;
    public long Fired, Failed;

    private sealed record Entry(Action Action, long PeriodTicks, string Owner);

    public string Name => "events";
    public int Pending => _queue.Count;

    public void Every(TimeSpan period, Action action, string owner)
    {
        if (period <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(period), "Period must be positive.");
        ArgumentNullException.ThrowIfNull(action);
        long ticks = Math.Max(1, ToTicks(period)); // a period below one tick must not turn into a one-shot
        _queue.Enqueue(new Entry(action, ticks, owner), (_clock() + ticks, _seq++));
    }

    public void After(TimeSpan delay, Action action, string owner)
    {
        ArgumentNullException.ThrowIfNull(action);
        _queue.Enqueue(new Entry(action, 0, owner), (_clock() + ToTicks(delay < TimeSpan.Zero ? TimeSpan.Zero : delay), _seq++));
    }

    public int Poll(long nowTicks)
    {
        // Only events due when the poll began run now; one an action schedules for "now" waits for the
        // next poll, so an event that re-arms itself with After(0) cannot starve the core.
        int budget = _queue.Count, ran = 0;
        while (ran < budget && _queue.TryPeek(out var e, out var key) && key.Due <= nowTicks)
        {
            _queue.Dequeue();
            try { e.Action(); Fired++; }
            catch (Exception ex)
            {
                Failed++;
                _log($"scheduled event of '{e.Owner}' failed: {ex.GetType().Name}: {ex.Message}");
                onFault?.Invoke(e.Owner, ex);
            }
            if (e.PeriodTicks > 0) _queue.Enqueue(e, (NextDue(key.Due, e.PeriodTicks, nowTicks), _seq++));
            ran++;
        }
        return ran;
    }

    /// <summary>Remove every event of <paramref name="owner"/> (a retired NF instance), so none fires
    /// again and their closures are released. Call between polls, on the owning core. Returns how many.</summary>
    public int Cancel(string owner)
    {
        var keep = new List<(Entry, (long, long))>(_queue.Count);
        int removed = 0;
        while (_queue.TryDequeue(out var e, out var key))
        {
            if (e.Owner == owner) removed++;
            else keep.Add((e, key));
        }
        foreach (var (e, key) in keep) _queue.Enqueue(e, key);
        return removed;
    }

    /// <summary>The first time after <paramref name="now"/> on the event's period grid.</summary>
    private static long NextDue(long due, long period, long now)
    {
        long next = due + period;
        if (next <= now) next += ((now - next) / period + 1) * period;
        return next;
    }

    private static long ToTicks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);
}
