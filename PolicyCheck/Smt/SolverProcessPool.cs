namespace Switchboard.PolicyCheck.Smt;

/// <summary>
/// Long-lived solver processes reused across queries, so a query does not pay for starting a solver (10–30 ms for z3,
/// more than many sliced queries take to solve). A query rents a process (an idle one, or a new one), and gives it back
/// only when its conversation ended cleanly; a killed, crashed or erring process is discarded, so the next query starts
/// a fresh one. Idle processes beyond <see cref="MaxIdle"/> or idle for longer than <see cref="IdleTimeout"/> are ended.
/// </summary>
internal sealed class SolverProcessPool : IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<(SolverProcess Process, long IdleSince)> _idle = [];
    private Timer? _reaper;
    private int _spawned;
    private bool _disposed;

    public int MaxIdle { get; init; } = Math.Max(2, Environment.ProcessorCount * 2);
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Processes started so far.</summary>
    public int Spawned => Volatile.Read(ref _spawned);

    /// <summary>Process ids of the idle processes (for tests and diagnostics).</summary>
    public IReadOnlyList<int> IdleProcessIds
    {
        get { lock (_lock) return _idle.Select(x => x.Process.Id).ToList(); }
    }

    /// <summary>An idle live process (reused) or a new one from <paramref name="spawn"/>.</summary>
    public (SolverProcess Process, bool Reused) Rent(Func<SolverProcess> spawn)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var dead = new List<SolverProcess>();
        SolverProcess? found = null;
        lock (_lock)
        {
            while (_idle.Count > 0 && found is null)
            {
                var p = _idle[^1].Process;
                _idle.RemoveAt(_idle.Count - 1);
                if (p.HasExited) dead.Add(p); else found = p;
            }
        }
        foreach (var p in dead) _ = p.DisposeAsync().AsTask();
        if (found is not null) return (found, true);
        var fresh = spawn();
        Interlocked.Increment(ref _spawned);
        return (fresh, false);
    }

    /// <summary>Gives back a process whose conversation ended cleanly.</summary>
    public void Return(SolverProcess process)
    {
        bool keep = false;
        lock (_lock)
        {
            if (!_disposed && !process.HasExited && _idle.Count < MaxIdle)
            {
                _idle.Add((process, Environment.TickCount64));
                keep = true;
                _reaper ??= new Timer(_ => Reap(), null, ReapPeriod, ReapPeriod);
            }
        }
        if (!keep) _ = process.DisposeAsync().AsTask();
    }

    /// <summary>Ends a process that must not serve another query.</summary>
    public ValueTask DiscardAsync(SolverProcess process) => process.DisposeAsync();

    private TimeSpan ReapPeriod => IdleTimeout / 2 < TimeSpan.FromMilliseconds(10) ? TimeSpan.FromMilliseconds(10) : IdleTimeout / 2;

    private void Reap()
    {
        var expired = new List<SolverProcess>();
        long now = Environment.TickCount64;
        lock (_lock)
        {
            for (int i = _idle.Count - 1; i >= 0; i--)
                if (now - _idle[i].IdleSince >= IdleTimeout.TotalMilliseconds || _idle[i].Process.HasExited)
                {
                    expired.Add(_idle[i].Process);
                    _idle.RemoveAt(i);
                }
        }
        foreach (var p in expired) _ = p.DisposeAsync().AsTask();
    }

    /// <summary>Ends every idle process; processes still in use end when their query does.</summary>
    public void Dispose()
    {
        List<SolverProcess> idle;
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            idle = _idle.Select(x => x.Process).ToList();
            _idle.Clear();
            _reaper?.Dispose();
        }
        foreach (var p in idle) p.Kill();
        foreach (var p in idle) p.Process.Dispose();
    }
}
