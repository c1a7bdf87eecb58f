using System.Diagnostics;

namespace Switchboard.Sdk.Runtime;

/// <summary>
/// Scheduled events for one core (thesis 3.1.1 "invocation nodes"): timers kept in a priority queue
/// and fired between batches by the core's scheduler. A throwing action is counted and logged, and
/// a periodic one keeps its schedule.
/// </summary>
internal sealed class EventScheduler(Action<string>? log = null) : ISchedulable
{
    private readonly PriorityQueue<Entry, long> _queue = new();
    private readonly Action<string> _log = log ?? (_ => { });
    public long Fired, Failed;

    private sealed record Entry(Action Action, long PeriodTicks, string Owner);

    public string Name => "events";
    public int Pending => _queue.Count;

    public void Every(TimeSpan period, Action action, string owner)
    {
        if (period <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(period), "Period must be positive.");
        long ticks = ToTicks(period);
        _queue.Enqueue(new Entry(action, ticks, owner), Stopwatch.GetTimestamp() + ticks);
    }

    public void After(TimeSpan delay, Action action, string owner) =>
        _queue.Enqueue(new Entry(action, 0, owner), Stopwatch.GetTimestamp() + ToTicks(delay < TimeSpan.Zero ? TimeSpan.Zero : delay));

    public int Poll(long nowTicks)
    {
        int ran = 0;
        while (_queue.TryPeek(out var e, out long due) && due <= nowTicks)
        {
            _queue.Dequeue();
            try { e.Action(); Fired++; }
            catch (Exception ex) { Failed++; _log($"scheduled event of '{e.Owner}' failed: {ex.Message}"); }
            if (e.PeriodTicks > 0) _queue.Enqueue(e, Math.Max(due + e.PeriodTicks, nowTicks));
            ran++;
        }
        return ran;
    }

    private static long ToTicks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);
}
