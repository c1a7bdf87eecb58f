using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Switchboard.Host.Config;
using Switchboard.Sdk;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Runtime;

/// <summary>
/// Hot replace, insert and remove of NF instances in the running switch, without pausing it:
/// <list type="number">
/// <item>Build the new generation's replicas on the calling (control) thread, one per core, with their
/// queues and timers kept aside. If any build fails nothing has changed (its shared objects are removed).</item>
/// <item>Post a swap command to every worker; each runs it at its own batch boundary: state handover
/// (<see cref="IStateHandover"/>), switch the slot, register the new queues and timers. No core waits for
/// another. When every core has run it, the grace period is over (RCU checkpoint): no core can push a
/// packet into the old generation any more.</item>
/// <item>Drain the old generation: its queues (shuffle rings between cores, group-by queues, window
/// output) stay in the workers' rotation until, over a window in which every core completed a full round,
/// none moved a packet; windows are then flushed (IRetireFlush) and drained again.</item>
/// <item>Retire: each worker removes the old queues and cancels the old timers; the old shared objects are
/// forgotten and the old NF objects handed back to the caller (so a plugin load context can unload).</item>
/// </list>
/// Operations are serialised by one control lock. Packets are neither lost nor duplicated; a flow's packets
/// still queued in the old generation may leave after the new generation's first ones (reordering across the swap).
/// </summary>
internal sealed partial class Dataplane
{
    private static readonly JsonElement EmptyConfig = JsonDocument.Parse("{}").RootElement.Clone();
    private static readonly Regex NamePattern = new("^[A-Za-z][A-Za-z0-9_.\\-]{0,63}$");

    /// <summary>Replace NF <paramref name="instance"/> on every core with objects from <paramref name="factory"/>
    /// (one call per core), optionally of another type or config. Throws <see cref="HotSwapException"/>
    /// without changing anything when the new NF fails to build.</summary>
    public HotSwapReport ReplaceNf(string instance, Func<INetworkFunction> factory, string? newType = null, JsonElement? newConfig = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        lock (_control)
        {
            var inst = Find(instance);
            var old = inst.Current ?? throw new HotSwapException($"NF '{instance}' has no active generation");
            var gen = new NfGeneration(inst, inst.NextGeneration++, newType ?? old.Type, newConfig ?? old.Config, old.ConfigPath, _workers.Count);
            BuildGeneration(gen, inst.Slots, factory);
            return SwapAndRetire(inst, old, gen, "replace", splice: null);
        }
    }

    /// <summary>Load a new NF instance into <paramref name="chain"/> before the NF now at <paramref name="position"/>
    /// (0 = first, the chain's length = last). Its slots are spliced in and activated in one step per core.</summary>
    public HotSwapReport InsertNf(string chain, int position, string instance, string type, Func<INetworkFunction> factory,
        JsonElement? config = null, FaultPolicy? faults = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        lock (_control)
        {
            int c = _chains.FindIndex(x => x.Name == chain);
            if (c < 0) throw new HotSwapException($"no chain '{chain}'; chains: {string.Join(", ", _chains.Select(x => x.Name))}");
            var through = _chains[c].Through;
            if (position < 0 || position > through.Count) throw new HotSwapException($"position {position} is outside 0..{through.Count} of chain '{chain}'");
            if (!NamePattern.IsMatch(instance)) throw new HotSwapException($"'{instance}' is not a valid NF name (a letter, then up to 63 letters, digits, '_', '.', '-')");
            if (_instances.ContainsKey(instance) || _ports.ContainsKey(instance)) throw new HotSwapException($"the name '{instance}' is already in use");
            int cores = _workers.Count;
            var slots = new NfSlotNode[cores];
            for (int k = 0; k < cores; k++) slots[k] = new NfSlotNode(_workers[k], instance) { Name = $"{instance}:slot", Core = _workers[k].Core };
            var inst = new NfInstanceState(instance, chain, faults ?? FaultPolicy.Default, slots) { NextGeneration = 1 };
            var gen = new NfGeneration(inst, 0, type, config ?? EmptyConfig, $"$.nfs.{instance}", cores);
            _shared.RemoveWhere(gen.OwnsKey); // a removed namesake's objects must not be picked up
            BuildGeneration(gen, slots, factory);
            _instances[instance] = inst;
            through.Insert(position, instance);
            return SwapAndRetire(inst, null, gen, "insert", (w, k) =>
            {
                var cr = ChainOf(w, chain);
                cr.Slots.Insert(position, slots[k]);
                cr.Relink();
            });
        }
    }

    /// <summary>Unload NF <paramref name="instance"/>: its slots become pass-through, the old generation drains and
    /// retires, then the slots are unlinked from the chain.</summary>
    public HotSwapReport RemoveNf(string instance)
    {
        lock (_control)
        {
            var inst = Find(instance);
            var report = SwapAndRetire(inst, inst.Current, null, "remove", splice: null);
            Await(RunOnEach((w, k) =>
            {
                var cr = ChainOf(w, inst.Chain);
                cr.Slots.Remove(inst.Slots[k]);
                cr.Relink();
            }), "unlink");
            _instances.Remove(instance);
            _chains.Single(c => c.Name == inst.Chain).Through.Remove(instance);
            return report;
        }
    }

    /// <summary>The chains as they run now: name → NF instances in order.</summary>
    public IReadOnlyList<(string Chain, IReadOnlyList<string> Through)> ChainLayout
    {
        get { lock (_control) return _chains.Select(c => (c.Name, (IReadOnlyList<string>)c.Through.ToList())).ToList(); }
    }

    /// <summary>The chains as they run now, as deployment records (ports from the deployment, NFs from the runtime).</summary>
    public IReadOnlyList<ChainSpec> RunningChains
    {
        get
        {
            lock (_control)
                return _chains.Select(c => _chainSpecs[c.Name] with { Through = c.Through.ToList() }).ToList();
        }
    }

    /// <summary>The NF instances as they run now: type and config of each one's active generation.</summary>
    public IReadOnlyDictionary<string, NfSpec> RunningNfs
    {
        get
        {
            lock (_control)
                return _instances.Values.Where(i => i.Current is not null).ToDictionary(i => i.Name,
                    i => new NfSpec(i.Name, i.Current!.Type, i.Current.Config, i.Current.ConfigPath) { Faults = i.Faults }, StringComparer.Ordinal);
        }
    }

    private NfInstanceState Find(string instance) =>
        _instances.TryGetValue(instance, out var inst) ? inst
            : throw new HotSwapException($"no NF instance '{instance}'{NearestName.Hint(instance, _instances.Keys.ToHashSet())}");

    private static ChainReplica ChainOf(Worker w, string chain) => w.Chains.First(c => c.Name == chain);

    /// <summary>Build a replica per core on this thread; on any failure remove what was made and throw.</summary>
    private void BuildGeneration(NfGeneration gen, NfSlotNode[] slots, Func<INetworkFunction> factory)
    {
        var errors = new List<string>();
        try
        {
            for (int core = 0; core < _workers.Count; core++)
            {
                CurrentCoreHook.SetBuilding(core);
                var ctx = _workers[core].Core;
                var builder = new GraphBuilder(ctx) { Scope = gen.Instance.Name, KeyScope = gen.KeyScope };
                var rep = BuildReplica(gen, core, builder, ctx, slots[core], factory, errors);
                if (rep is null) break;
                foreach (var open in builder.Unconnected)
                    errors.Add($"core {core}: the output of '{open}' is not connected (end the branch with .Drop() or route it)");
                gen.Replicas[core] = rep;
                if (errors.Count > 0) break;
            }
        }
        finally
        {
            CurrentCoreHook.SetBuilding(-1);
        }
        if (errors.Count == 0) return;
        foreach (var r in gen.Replicas) r?.Release();
        _shared.RemoveWhere(gen.OwnsKey);
        throw new HotSwapException(errors.Distinct().ToList());
    }

    private HotSwapReport SwapAndRetire(NfInstanceState inst, NfGeneration? old, NfGeneration? gen, string operation, Action<Worker, int>? splice)
    {
        int cores = _workers.Count;
        var delay = new TimeSpan[cores];
        var work = new TimeSpan[cores];
        var notes = new ConcurrentQueue<string>();
        long t0 = Stopwatch.GetTimestamp();
        var tasks = new Task[cores];
        for (int k = 0; k < cores; k++)
        {
            int core = k;
            var w = _workers[k];
            var slot = inst.Slots[k];
            var from = old?.Replicas[k];
            var to = gen?.Replicas[k];
            long posted = Stopwatch.GetTimestamp();
            tasks[k] = w.Post(() =>
            {
                long start = Stopwatch.GetTimestamp();
                delay[core] = Stopwatch.GetElapsedTime(posted, start);
                splice?.Invoke(w, core);
                SwapOnCore(w, slot, from, to, notes);
                work[core] = Stopwatch.GetElapsedTime(start);
            });
        }
        inst.Current = gen;
        Await(tasks, "swap");
        var grace = Stopwatch.GetElapsedTime(t0);
        long t1 = Stopwatch.GetTimestamp();
        var retired = new List<INetworkFunction>();
        long drained = old is null ? 0 : Retire(old, notes, retired);
        var report = new HotSwapReport(inst.Name, operation, old?.Number, gen?.Number, delay, work, grace, drained,
            Stopwatch.GetElapsedTime(t1), retired, notes.ToList());
        Log($"hot-swap: {report}");
        return report;
    }

    /// <summary>On the worker, at a batch boundary: hand state over, switch the slot, register the new queues.</summary>
    private static void SwapOnCore(Worker w, NfSlotNode slot, NfReplica? from, NfReplica? to, ConcurrentQueue<string> notes)
    {
        if (from is not null && to is not null) Handover(w, from, to, notes);
        if (to is not null) Activate(w, slot, to);
        else
        {
            slot.Target = null; // pass-through
            slot.Active = null;
            slot.Mode = SlotMode.Active;
        }
        if (from is not null) from.MovedAtSwap = from.Moved;
    }

    private static void Handover(Worker w, NfReplica from, NfReplica to, ConcurrentQueue<string> notes)
    {
        if (from.Function is not IStateHandover exporter || to.Function is not IStateHandover importer) return;
        NfState? state;
        w.Current = from;
        try { state = exporter.ExportState(); }
        catch (Exception e)
        {
            from.OnFault("export-state", e);
            notes.Enqueue($"core {from.Core}: exporting state failed ({e.GetType().Name}: {e.Message}); the replacement starts fresh");
            return;
        }
        finally { w.Current = null; }
        if (state is null) return;
        w.Current = to;
        try
        {
            notes.Enqueue(importer.ImportState(state)
                ? $"core {from.Core}: {HotSwapReport.HandedOver} {state.Length} byte(s) of '{state.Format}' state"
                : $"core {from.Core}: the replacement does not take '{state.Format}' state; it starts fresh");
        }
        catch (Exception e)
        {
            to.OnFault("import-state", e);
            notes.Enqueue($"core {from.Core}: importing '{state.Format}' state failed ({e.GetType().Name}: {e.Message}); the replacement starts fresh");
        }
        finally { w.Current = null; }
    }

    /// <summary>Drain the old generation's queues, flush its windows, then remove it from every worker.
    /// Returns the packets its queues moved after the swap.</summary>
    private long Retire(NfGeneration old, ConcurrentQueue<string> notes, List<INetworkFunction> retired)
    {
        WaitQuiescent(old, notes);
        Await(RunOnEach((w, k) =>
        {
            var rep = old.Replicas[k];
            foreach (var s in rep.Schedulables)
            {
                if (s is not IRetireFlush flush) continue;
                w.Current = rep;
                try { rep.Moved += flush.FlushForRetire(); }
                catch (Exception e) { rep.OnFault(s.Name, e); }
                w.Current = null;
            }
        }), "flush");
        WaitQuiescent(old, notes);
        long late = 0;
        Await(RunOnEach((w, k) =>
        {
            var rep = old.Replicas[k];
            Interlocked.Add(ref late, w.PollUntilEmpty(rep)); // nothing should be left: a safety net, reported
            w.RemovePolls(rep);
            rep.Events.Cancel(old.Instance.Name);
        }), "retire");
        if (late != 0) notes.Enqueue($"{late} packet(s) were still queued in the old generation at retirement and were forwarded then");
        long drained = old.Replicas.Sum(r => r.Moved - r.MovedAtSwap);
        _shared.RemoveWhere(old.OwnsKey);
        for (int k = 0; k < old.Replicas.Length; k++) old.Instance.Retired[k] = old.Instance.Retired[k].Plus(old.Replicas[k]);
        foreach (var rep in old.Replicas)
        {
            retired.Add(rep.Function);
            rep.Release();
        }
        return drained;
    }

    /// <summary>Wait until, over a window in which every running core completed at least one full round,
    /// none of <paramref name="gen"/>'s queues moved a packet.</summary>
    private void WaitQuiescent(NfGeneration gen, ConcurrentQueue<string> notes)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(CommandTimeout.TotalSeconds * Stopwatch.Frequency);
        long last = MovedBy(gen);
        var start = new long[_workers.Count];
        while (true)
        {
            for (int k = 0; k < start.Length; k++) start[k] = Volatile.Read(ref _workers[k].Rounds);
            // A core at round r when sampled completes round r+1 entirely inside the window once it reaches r+2.
            for (int k = 0; k < start.Length; k++)
                while (Volatile.Read(ref _workers[k].Rounds) < start[k] + 2 && _workers[k].IsRunning)
                {
                    if (Stopwatch.GetTimestamp() > deadline)
                    {
                        notes.Enqueue($"core {k} did not complete a round within {CommandTimeout.TotalSeconds:g} s while draining; retiring anyway");
                        return;
                    }
                    Thread.Sleep(1);
                }
            long now = MovedBy(gen);
            if (now == last) return;
            last = now;
        }
    }

    private static long MovedBy(NfGeneration gen)
    {
        long sum = 0;
        foreach (var r in gen.Replicas) sum += Volatile.Read(ref r.Moved);
        return sum;
    }

    private Task[] RunOnEach(Action<Worker, int> action) =>
        _workers.Select((w, k) => w.Post(() => action(w, k))).ToArray();

    /// <summary>Wait for a checkpoint on every core; a core that does not reach it in time is named.</summary>
    private void Await(Task[] tasks, string what)
    {
        bool done;
        try { done = Task.WaitAll(tasks, CommandTimeout); }
        catch (AggregateException ae)
        {
            throw new HotSwapException(ae.InnerExceptions.Select(e => $"{what}: {e.Message}").Distinct().ToList());
        }
        if (done) return;
        var late = Enumerable.Range(0, tasks.Length).Where(i => !tasks[i].IsCompleted);
        throw new HotSwapException($"core(s) {string.Join(", ", late)} did not pass the {what} checkpoint within {CommandTimeout.TotalSeconds:g} s " +
                                   "(a stuck NF? see the watchdog); the command still runs when the core resumes");
    }
}
