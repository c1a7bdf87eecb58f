using System.Diagnostics;

namespace Switchboard.Host.Runtime;

/// <summary>
/// Watches every worker's round counter from its own thread. A running worker whose counter has not
/// moved for the stall threshold is reported once (with the NF it is executing, which slots record per
/// batch) until it moves again. It cannot stop the stuck code: .NET has no thread abort; the dataplane
/// quarantines that NF on the other cores instead.
/// </summary>
internal sealed class Watchdog : IDisposable
{
    private readonly Dataplane _dp;
    private readonly TimeSpan _stallAfter;
    private readonly Thread _thread;
    private volatile bool _stop;

    public Watchdog(Dataplane dp, TimeSpan stallAfter)
    {
        if (stallAfter <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(stallAfter));
        _dp = dp;
        _stallAfter = stallAfter;
        _thread = new Thread(Run) { IsBackground = true, Name = "sb-watchdog" };
        _thread.Start();
    }

    private void Run()
    {
        var workers = _dp.Workers;
        int n = workers.Count;
        var last = new long[n];
        var since = new long[n];
        var stalled = new bool[n];
        long start = Stopwatch.GetTimestamp();
        for (int k = 0; k < n; k++) { last[k] = Volatile.Read(ref workers[k].Rounds); since[k] = start; }
        int periodMs = (int)Math.Clamp(_stallAfter.TotalMilliseconds / 4, 5, 250);
        while (!_stop)
        {
            Thread.Sleep(periodMs);
            long now = Stopwatch.GetTimestamp();
            for (int k = 0; k < n && !_stop; k++)
            {
                var w = workers[k];
                long r = Volatile.Read(ref w.Rounds);
                if (r != last[k] || !w.IsRunning)
                {
                    if (stalled[k]) _dp.OnWorkerRecovered(k, Stopwatch.GetElapsedTime(since[k], now));
                    last[k] = r;
                    since[k] = now;
                    stalled[k] = false;
                    continue;
                }
                var stalledFor = Stopwatch.GetElapsedTime(since[k], now);
                if (!stalled[k] && stalledFor >= _stallAfter)
                {
                    stalled[k] = true;
                    _dp.OnWorkerStalled(k, stalledFor);
                }
            }
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
