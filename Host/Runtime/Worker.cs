using System.Runtime.InteropServices;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Runtime;

/// <summary>
/// One core: a dedicated thread that runs the replicas of every chain placed on it, run to
/// completion, visiting its schedulable nodes round-robin (thesis 3.1.2). Receive nodes go first in
/// the rotation; the rest (group-by queues, shuffle inboxes, windows, events) follow. Once per round
/// it runs the commands posted to its mailbox (hot swap, quarantine), so every change to its graph
/// happens on its own thread at a batch boundary.
/// </summary>
internal sealed class Worker
{
    // Copy-on-write (changed only before start or by this worker), so other threads may read it at any time.
    private volatile PortReceiveNode[] _receivers = [];
    private PollEntry[] _polls = new PollEntry[16];
    private int _pollCount;
    private Thread? _thread;
    private volatile bool _stopReceiving;
    private Exception? _failure;
    private readonly Lock _mailGate = new();
    private List<Command> _mail = [], _running = [];
    private volatile int _mailCount;
    private bool _mailClosed;

    private struct PollEntry
    {
        public ISchedulable Node;
        public NfReplica? Owner;
        public bool CountsMoves; // queues count toward drain detection; timers do not
    }

    private sealed record Command(Action Action, TaskCompletionSource Done);

    public Worker(CoreContext core, EventScheduler events)
    {
        Core = core;
        Events = events;
        AddPoll(events, null, countsMoves: false);
    }

    public CoreContext Core { get; }
    public EventScheduler Events { get; }
    /// <summary>Loop rounds completed (written by the worker; the watchdog and drain detection read it).</summary>
    public long Rounds;
    public long IdleRounds;
    /// <summary>The NF replica this worker is executing (set per batch by slots and per poll), or null.</summary>
    public NfReplica? Current;
    public Exception? Failure => _failure;
    public IReadOnlyList<PortReceiveNode> Receivers => _receivers;
    /// <summary>This core's chain replicas (their slots are edited only by this worker's commands once running).</summary>
    public List<ChainReplica> Chains { get; } = [];
    public bool IsRunning => _thread is { IsAlive: true } && !_stopReceiving;

    public void AddReceiver(PortReceiveNode rx) => _receivers = [.. _receivers, rx];

    /// <summary>Stop reading a port queue (a deleted chain). Only before start or on the worker thread.</summary>
    public void RemoveReceiver(PortReceiveNode rx) => _receivers = [.. _receivers.Where(r => r != rx)];

    /// <summary>Add a schedulable to the rotation. Only before start or on the worker thread.</summary>
    public void AddPoll(ISchedulable node, NfReplica? owner, bool countsMoves = true)
    {
        if (_pollCount == _polls.Length) Array.Resize(ref _polls, _polls.Length * 2);
        _polls[_pollCount++] = new PollEntry { Node = node, Owner = owner, CountsMoves = countsMoves };
    }

    /// <summary>Remove every schedulable of <paramref name="owner"/>. Only on the worker thread.</summary>
    public int RemovePolls(NfReplica owner)
    {
        int kept = 0;
        for (int i = 0; i < _pollCount; i++)
            if (_polls[i].Owner != owner) _polls[kept++] = _polls[i];
        int removed = _pollCount - kept;
        Array.Clear(_polls, kept, removed);
        _pollCount = kept;
        return removed;
    }

    /// <summary>Schedulables in the rotation (tests, status).</summary>
    public int PollCount => _pollCount;

    /// <summary>Run <paramref name="action"/> on this worker between batches (or at once, on the calling
    /// thread, before the worker started). The task fails when the action throws or the worker has stopped.</summary>
    public Task Post(Action action)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_mailGate)
        {
            if (_thread is null && !_mailClosed) { Execute(new Command(action, done)); return done.Task; }
            if (_mailClosed) { done.SetException(new InvalidOperationException($"core {Core.CoreId} has stopped")); return done.Task; }
            _mail.Add(new Command(action, done));
            _mailCount = _mail.Count;
        }
        return done.Task;
    }

    private void RunMail()
    {
        lock (_mailGate)
        {
            (_mail, _running) = (_running, _mail);
            _mailCount = 0;
        }
        foreach (var c in _running) Execute(c);
        _running.Clear();
    }

    private static void Execute(Command c)
    {
        try
        {
            c.Action();
            c.Done.SetResult();
        }
        catch (Exception e)
        {
            c.Done.SetException(e);
        }
    }

    private void CloseMail()
    {
        lock (_mailGate)
        {
            _mailClosed = true;
            foreach (var c in _mail) c.Done.TrySetException(new InvalidOperationException($"core {Core.CoreId} stopped before running the command"));
            _mail.Clear();
            _mailCount = 0;
        }
    }

    /// <summary>All receivers report exhausted (finite sources done).</summary>
    public bool SourcesExhausted => _receivers is { Length: > 0 } receivers && receivers.All(r => r.Port.Exhausted);

    public void Start(Barrier drainBarrier, Func<bool> drainDone, Action<long> reportMoved, bool pin)
    {
        lock (_mailGate)
        {
            _thread = new Thread(() => Run(drainBarrier, drainDone, reportMoved, pin))
            {
                IsBackground = true,
                Name = $"sb-core{Core.CoreId}",
                Priority = ThreadPriority.AboveNormal,
            };
        }
        _thread.Start();
    }

    public void StopReceiving() => _stopReceiving = true;

    public void Join() => _thread?.Join();

    /// <summary>While busy, the worker reads the clock once per this many rounds.</summary>
    private const int ClockRounds = 8;

    private void Run(Barrier drainBarrier, Func<bool> drainDone, Action<long> reportMoved, bool pin)
    {
        CurrentCoreHook.Set(Core.CoreId);
        if (pin) Affinity.TryPin(Core.CoreId);
        try
        {
            int idleStreak = 0, sinceClock = 0;
            long now = CoreContext.Now;
            while (!_stopReceiving)
            {
                if (_mailCount != 0) RunMail();
                // The clock costs about as much as a few packets; while traffic flows, rounds take about a microsecond,
                // so timers fire at most a few microseconds late if it is read every ClockRounds rounds.
                if (idleStreak != 0 || ++sinceClock == ClockRounds)
                {
                    now = CoreContext.Now;
                    sinceClock = 0;
                }
                int moved = 0;
                var receivers = _receivers;
                for (int i = 0; i < receivers.Length; i++) moved += receivers[i].Poll(now);
                moved += PollAll(now, events: true);
                Core.FlushDrops();
                Volatile.Write(ref Rounds, Rounds + 1);
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
                    if (_mailCount != 0) RunMail();
                    for (int round = 0; round < 4; round++) moved += PollAll(CoreContext.Now, events: false);
                    Volatile.Write(ref Rounds, Rounds + 1);
                }
                catch (Exception ex) { _failure = ex; }
            }
            Core.FlushDrops();
            reportMoved(moved);
            drainBarrier.SignalAndWait();
        } while (!drainDone());
        CloseMail();
        CurrentCoreHook.Set(-1);
    }

    private int PollAll(long now, bool events)
    {
        int moved = 0;
        for (int i = 0; i < _pollCount; i++)
        {
            ref var e = ref _polls[i];
            if (!events && !e.CountsMoves) continue;
            if (e.Owner is null) moved += e.Node.Poll(now);
            else moved += PollOwned(ref e, now);
        }
        return moved;
    }

    /// <summary>Poll an NF's schedulable: attributed to the NF (watchdog), moves counted (drain), and an
    /// exception that escapes it is the NF's fault, never the worker's.</summary>
    private int PollOwned(ref PollEntry e, long now)
    {
        var owner = e.Owner!;
        Current = owner;
        int m;
        try
        {
            m = e.Node.Poll(now);
        }
        catch (Exception ex)
        {
            owner.OnFault(e.Node.Name, ex);
            m = 0;
        }
        Current = null;
        if (e.CountsMoves) owner.Moved += m;
        return m;
    }

    /// <summary>Poll <paramref name="owner"/>'s queues until they move nothing (bounded), returning the packets moved.</summary>
    public long PollUntilEmpty(NfReplica owner)
    {
        long total = 0;
        for (int round = 0; round < 64; round++)
        {
            int moved = 0;
            for (int i = 0; i < _pollCount; i++)
                if (_polls[i].Owner == owner && _polls[i].CountsMoves) moved += PollOwned(ref _polls[i], CoreContext.Now);
            total += moved;
            if (moved == 0) break;
        }
        return total;
    }
}

/// <summary>One chain on one core: its receive node, its NF slots in order, and its send node.</summary>
internal sealed class ChainReplica(string name, PortReceiveNode rx, PortSendNode tx)
{
    public string Name { get; } = name;
    public PortReceiveNode Rx { get; } = rx;
    public PortSendNode Tx { get; } = tx;
    public List<NfSlotNode> Slots { get; } = [];

    /// <summary>Re-link rx → slots → tx after a splice. Only on the owning worker (or before start).</summary>
    public void Relink()
    {
        Sdk.Node next = Tx;
        for (int i = Slots.Count - 1; i >= 0; i--)
        {
            Slots[i].Next = next;
            next = Slots[i];
        }
        Rx.Next = next;
    }
}

/// <summary>Pins the calling thread to one CPU (Linux sched_setaffinity); best effort.</summary>
internal static partial class Affinity
{
    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setaffinity(int pid, nint size, ref ulong mask);

    /// <summary>Added to every CPU number pinned to (modulo the CPU count): lets a benchmark run on another CPU than a
    /// concurrent one (<c>bench native --cpu N</c>).</summary>
    public static int CpuOffset { get; set; }

    public static bool TryPin(int cpu)
    {
        if (CpuOffset != 0) cpu = (cpu + CpuOffset) % Environment.ProcessorCount;
        if (!OperatingSystem.IsLinux() || cpu >= Environment.ProcessorCount || cpu >= 64) return false;
        try { ulong mask = 1UL << cpu; return sched_setaffinity(0, sizeof(ulong), ref mask) == 0; }
        catch (Exception) { return false; }
    }
}
