using System.Runtime.InteropServices;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Runtime;

/// <summary>
/// One core: a dedicated thread that runs the replicas of every chain placed on it, run to
/// completion, visiting its schedulable nodes round-robin (thesis 3.1.2). Receive nodes go first in
/// the rotation; the rest (group-by queues, shuffle inboxes, windows, events) follow.
/// </summary>
internal sealed class Worker
{
    private readonly List<PortReceiveNode> _receivers = [];
    private Thread? _thread;
    private volatile bool _stopReceiving;
    private Exception? _failure;

    public Worker(CoreContext core, EventScheduler events)
    {
        Core = core;
        Events = events;
    }

    public CoreContext Core { get; }
    public EventScheduler Events { get; }
    public long Rounds;
    public long IdleRounds;
    public Exception? Failure => _failure;
    public IReadOnlyList<PortReceiveNode> Receivers => _receivers;

    public void AddReceiver(PortReceiveNode rx) => _receivers.Add(rx);

    /// <summary>All receivers report exhausted (finite sources done).</summary>
    public bool SourcesExhausted => _receivers.All(r => r.Port.Exhausted);

    public void Start(Barrier drainBarrier, Func<bool> drainDone, Action<long> reportMoved, bool pin)
    {
        _thread = new Thread(() => Run(drainBarrier, drainDone, reportMoved, pin))
        {
            IsBackground = true,
            Name = $"sb-core{Core.CoreId}",
            Priority = ThreadPriority.AboveNormal,
        };
        _thread.Start();
    }

    public void StopReceiving() => _stopReceiving = true;

    public void Join() => _thread?.Join();

    private void Run(Barrier drainBarrier, Func<bool> drainDone, Action<long> reportMoved, bool pin)
    {
        CurrentCoreHook.Set(Core.CoreId);
        if (pin) Affinity.TryPin(Core.CoreId);
        var others = Core.Schedulables;
        try
        {
            int idleStreak = 0;
            while (!_stopReceiving)
            {
                long now = CoreContext.Now;
                int moved = 0;
                foreach (var rx in _receivers) moved += rx.Poll(now);
                for (int i = 0; i < others.Count; i++) moved += others[i].Poll(now);
                Core.FlushDrops();
                Rounds++;
                if (moved != 0) { idleStreak = 0; continue; }
                IdleRounds++;
                // Poll mode while traffic flows; after a long idle streak, give the CPU to others
                // (a 2-core box also runs the control plane) at the cost of some wake-up latency.
                if (++idleStreak < 1024) Thread.SpinWait(16);
                else if (idleStreak < 65536) Thread.Yield();
                else Thread.Sleep(1);
            }
        }
        catch (Exception ex)
        {
            _failure = ex;
        }
        // Drain: keep visiting queues (group-by, shuffle, windows) until no core moves a packet.
        do
        {
            long moved = 0;
            if (_failure is null)
            {
                try
                {
                    for (int round = 0; round < 4; round++)
                        foreach (var s in others) if (s is not EventScheduler) moved += s.Poll(CoreContext.Now);
                }
                catch (Exception ex) { _failure = ex; }
            }
            Core.FlushDrops();
            reportMoved(moved);
            drainBarrier.SignalAndWait();
        } while (!drainDone());
    }
}

/// <summary>Pins the calling thread to one CPU (Linux sched_setaffinity); best effort.</summary>
internal static partial class Affinity
{
    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setaffinity(int pid, nint size, ref ulong mask);

    public static bool TryPin(int cpu)
    {
        if (!OperatingSystem.IsLinux() || cpu >= Environment.ProcessorCount || cpu >= 64) return false;
        try { ulong mask = 1UL << cpu; return sched_setaffinity(0, sizeof(ulong), ref mask) == 0; }
        catch (Exception) { return false; }
    }
}
