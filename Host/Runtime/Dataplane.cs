using System.Diagnostics;
using System.Text.Json;
using Switchboard.Host.Config;
using Switchboard.Host.Plugins;
using Switchboard.Host.Ports;
using Switchboard.Host.Ports.Dpdk;
using Switchboard.Sdk;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Runtime;

/// <summary>
/// A running deployment: one buffer pool, the ports, and one worker per core holding a replica of
/// every chain (thesis 3.1.2: the whole chain on one core, replicated across cores; each port queue
/// is read by one core, so a flow stays on its core). Build fails without side effects: anything
/// created is disposed before the error is reported. Every NF position is a slot whose NF can be
/// replaced, inserted or removed while running (Dataplane.HotSwap.cs), and whose faults are contained
/// (Dataplane.Faults.cs).
/// </summary>
internal sealed partial class Dataplane : IDisposable
{
    private readonly List<Worker> _workers = [];
    private readonly Dictionary<string, IPort> _ports = [];
    private readonly Dictionary<string, NfInstanceState> _instances = new(StringComparer.Ordinal);
    /// <summary>Chain name → NF instance names in order: the control plane's view (under <see cref="_control"/>).</summary>
    private readonly List<(string Name, List<string> Through)> _chains = [];
    private readonly Dictionary<string, ChainSpec> _chainSpecs = new(StringComparer.Ordinal); // ports of each running chain
    private readonly Lock _control = new();
    private readonly SharedRegistry _shared = new();
    private NativePool? _pool;
    private DpdkRuntime? _dpdk;
    private Watchdog? _watchdog;
    private long _drainMoved;
    private int _drainRound;
    private volatile bool _drainDone;
    private bool _started, _stopped;

    /// <summary>One core's replica of an NF instance (its current generation). <see cref="Earlier"/> holds what the
    /// generations it replaced counted on this core, so the <c>Lifetime</c> figures span hot replaces.</summary>
    public sealed record NfInstance(string Name, string Type, int Core, INetworkFunction Function, NfEntryNode Entry, NfExitNode Exit, IReadOnlyList<Node> Nodes)
    {
        public NfTotals Earlier { get; init; }
        public long LifetimeIn => Earlier.In + Entry.PacketsIn;
        public long LifetimeOut => Earlier.Out + Exit.PacketsIn;
        public long LifetimeDropped => Earlier.Dropped + Nodes.Sum(n => n.PacketsDropped);
        public long LifetimeFaulted => Earlier.Faulted + Nodes.Sum(n => n.PacketsFaulted);
    }

    /// <summary>Packet counts of an NF instance's retired generations on one core.</summary>
    public readonly record struct NfTotals(long In, long Out, long Dropped, long Faulted)
    {
        public NfTotals Plus(NfReplica r) => new(In + r.Entry.PacketsIn, Out + r.Exit.PacketsIn,
            Dropped + r.Nodes.Sum(n => n.PacketsDropped), Faulted + r.Nodes.Sum(n => n.PacketsFaulted));
    }

    private Dataplane(Deployment deployment) => Deployment = deployment;

    /// <summary>The deployment as loaded; NFs inserted or removed at runtime show in <see cref="Nfs"/> and <see cref="ChainLayout"/>, not here.</summary>
    public Deployment Deployment { get; }
    public IReadOnlyList<Worker> Workers => _workers;
    public IReadOnlyDictionary<string, IPort> Ports => _ports;
    public NativePool Pool => _pool!;
    public SharedRegistry Shared => _shared;
    /// <summary>The DPDK mempool of the deployment's DPDK ports; null without DPDK ports.</summary>
    public DpdkPool? DpdkPool => _dpdk?.Pool;
    public Action<string> Log { get; init; } = Console.Error.WriteLine;
    /// <summary>Watchdog stall threshold: a worker whose round counter does not move this long is reported
    /// and the NF it is executing quarantined on every core. Null: no watchdog.</summary>
    public TimeSpan? WatchdogTimeout { get; set; }
    /// <summary>How long a hot-swap waits for every core to pass a checkpoint (swap, drain, retire).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The active replica of every NF instance on every core (core-major, chain order).</summary>
    public IReadOnlyList<NfInstance> Nfs
    {
        get
        {
            lock (_control)
            {
                var list = new List<NfInstance>();
                for (int core = 0; core < _workers.Count; core++)
                    foreach (var (_, through) in _chains)
                        foreach (var name in through)
                            if (_instances[name].Current?.Replicas[core] is { } r)
                                list.Add(new NfInstance(name, r.Generation.Type, core, r.Function, r.Entry, r.Exit, r.Nodes)
                                    { Earlier = _instances[name].Retired[core] });
                return list;
            }
        }
    }

    /// <summary>Every node of every core: slots, ports' send nodes and the active NF replicas' nodes.</summary>
    public IReadOnlyList<Node> Nodes => Nfs.SelectMany(n => n.Nodes.Prepend(n.Entry).Append(n.Exit))
        .Concat(_instances.Values.SelectMany(i => i.Slots)).ToList();

    /// <summary>Buffers per core: enough for RX bursts, group-by and shuffle queues, and pcap writer buffering.</summary>
    public static int PoolSizeFor(Deployment d) => Math.Max(8192, d.Cores * (d.Chains.Count * 4096 + 4096));

    /// <summary>Build the deployment. <paramref name="portOverride"/> may supply a port object for a configured
    /// port (tests: sequence-stamping generators and recording sinks); null keeps the configured one.</summary>
    public static Dataplane Build(Deployment deployment, NfRegistry registry, Action<string>? log = null,
        Func<PortSpec, NativePool, IPort?>? portOverride = null)
    {
        var dp = new Dataplane(deployment) { Log = log ?? Console.Error.WriteLine };
        try
        {
            dp.Construct(registry, portOverride);
            return dp;
        }
        catch
        {
            dp.Dispose();
            throw;
        }
    }

    private void Construct(NfRegistry registry, Func<PortSpec, NativePool, IPort?>? portOverride)
    {
        var d = Deployment;
        _pool = new NativePool("switch", PoolSizeFor(d), maxWorkers: d.Cores);
        _dpdk = DpdkRuntime.For(d, Log); // starts the EAL first, only when a DPDK port is configured
        int index = 0;
        foreach (var (name, spec) in d.Ports)
        {
            var port = _ports[name] = portOverride?.Invoke(spec, _pool) ?? PortFactory.Create(spec, index, d.Cores, _pool, _dpdk);
            index++;
            if (port is PcapReaderPort { SkippedOversize: > 0 } pcap)
                Log($"warning: {spec.Path}: {pcap.SkippedOversize} record(s) of {pcap.File.Path} are longer than the {_pool.DataRoom}-byte packet buffers and are skipped");
        }
        foreach (var chain in d.Chains)
        {
            _chains.Add((chain.Name, chain.Through.ToList()));
            _chainSpecs[chain.Name] = chain;
            foreach (var nfName in chain.Through)
            {
                var spec = d.Nfs[nfName];
                var inst = new NfInstanceState(nfName, chain.Name, spec.Faults, new NfSlotNode[d.Cores]) { NextGeneration = 1 };
                inst.Current = new NfGeneration(inst, 0, spec.Type, spec.Config, spec.Path, d.Cores);
                _instances[nfName] = inst;
            }
        }

        var errors = new List<string>();
        try
        {
            for (int core = 0; core < d.Cores; core++)
            {
                // Build each replica as its core, so NFs may initialise per-core state in Build.
                CurrentCoreHook.Set(core);
                var events = new EventScheduler(Log);
                var ctx = new CoreContext(core, d.Cores, _shared, _pool, d.BatchSize);
                var worker = new Worker(ctx, events);
                var builder = new GraphBuilder(ctx);
                foreach (var chain in d.Chains)
                {
                    var rx = new PortReceiveNode(_ports[chain.From], core, d.BatchSize, ctx);
                    worker.AddReceiver(rx);
                    var tx = new PortSendNode(_ports[chain.To], core) { Name = $"tx:{chain.To}", Core = ctx };
                    var replica = new ChainReplica(chain.Name, rx, tx);
                    foreach (var nfName in chain.Through)
                    {
                        var inst = _instances[nfName];
                        var gen = inst.Current!;
                        var slot = inst.Slots[core] = new NfSlotNode(worker, nfName) { Name = $"{nfName}:slot", Core = ctx };
                        replica.Slots.Add(slot);
                        builder.Scope = nfName;
                        var rep = BuildReplica(gen, core, builder, ctx, slot, () => registry.Create(gen.Type), errors);
                        if (rep is null) continue;
                        gen.Replicas[core] = rep;
                        Activate(worker, slot, rep);
                    }
                    replica.Relink();
                    worker.Chains.Add(replica);
                }
                if (errors.Count == 0)
                    foreach (var open in builder.Unconnected)
                        errors.Add($"core {core}: the output of '{open}' is not connected (end the branch with .Drop() or route it)");
                _workers.Add(worker);
                if (errors.Count > 0) break; // the same errors would repeat on every core
            }
        }
        finally
        {
            CurrentCoreHook.Set(-1);
        }
        if (errors.Count > 0) throw new DeploymentException(errors.Distinct().ToList());
    }

    /// <summary>
    /// Build one replica of <paramref name="gen"/> for <paramref name="core"/>: entry → the NF's graph → exit
    /// (which continues at the slot's continuation). The NF's schedulables are taken out of the core's
    /// list and kept on the replica, so nothing runs until the replica is activated in its slot.
    /// Returns null (with the reason in <paramref name="errors"/>) when the NF fails to build.
    /// </summary>
    private NfReplica? BuildReplica(NfGeneration gen, int core, GraphBuilder builder, CoreContext ctx, NfSlotNode slot,
        Func<INetworkFunction> factory, List<string> errors)
    {
        var inst = gen.Instance;
        string what = $"{gen.ConfigPath}: NF '{inst.Name}' ({gen.Type})";
        INetworkFunction nf;
        try { nf = PluginCode.Run(factory, "its constructor"); }
        catch (Exception ex) { errors.Add($"{what} could not be created: {ex.Message}"); return null; }
        var rep = new NfReplica(gen, core, nf) { FaultHandler = OnReplicaFault };
        rep.Events = new EventScheduler(Log, onFault: (_, e) => rep.OnFault("timer", e));
        var entry = new NfEntryNode { Name = inst.Name };
        Node? start = null; // the fused node that begins with the entry stage (relinked as the NF's operators fuse onto it)
        var inner = builder.Source(n => start = n, $"{inst.Name}:in").BeginNf(entry);
        int n0 = builder.Nodes.Count, s0 = ctx.Schedulables.Count;
        var nfCtx = new NfContext(inst.Name, new NfConfig(gen.Config, gen.ConfigPath + ".config"), ctx, rep.Events, Log,
            gen.Number == 0 ? null : gen.KeyScope);
        Pipe output;
        try
        {
            output = PluginCode.Run(() => nf.Build(inner, nfCtx), "Build");
        }
        catch (Exception ex)
        {
            errors.Add(ex is ConfigException ce ? $"{ce.JsonPath}: {ce.Reason}" : $"{what} failed to build: {ex.Message}");
            ctx.Schedulables.RemoveRange(s0, ctx.Schedulables.Count - s0);
            return null;
        }
        rep.Schedulables.AddRange(ctx.Schedulables.Skip(s0));
        ctx.Schedulables.RemoveRange(s0, ctx.Schedulables.Count - s0);
        if (output.Builder != builder) { errors.Add($"{what} returned a pipe from another graph"); return null; }
        rep.Nodes.AddRange(builder.Nodes.Skip(n0));
        var exit = new NfExitNode(slot) { Name = inst.Name + ":out" };
        try { output.EndNf(exit, "exit"); }
        catch (InvalidOperationException ex) { errors.Add($"{what} returned an output that is already connected: {ex.Message}"); return null; }
        foreach (var n in rep.Nodes) n.FaultSink = rep;
        rep.Entry = entry;
        rep.Start = start!;
        rep.Exit = exit;
        return rep;
    }

    /// <summary>Put <paramref name="rep"/> in its slot and its queues and timers in the worker's rotation.
    /// Before start, or on the worker's own thread.</summary>
    private static void Activate(Worker worker, NfSlotNode slot, NfReplica rep)
    {
        slot.Target = rep.Start;
        slot.Active = rep;
        slot.Mode = SlotMode.Active;
        foreach (var s in rep.Schedulables) worker.AddPoll(s, rep);
        worker.AddPoll(rep.Events, rep, countsMoves: false);
    }

    /// <summary>Start the worker threads (and the watchdog when <see cref="WatchdogTimeout"/> is set).</summary>
    public void Start(bool pinThreads = true)
    {
        if (_started) throw new InvalidOperationException("Already started.");
        _started = true;
        WaitForLinks();
        var barrier = new Barrier(_workers.Count, _ =>
        {
            long moved = Interlocked.Exchange(ref _drainMoved, 0);
            _drainRound++;
            // Round 1 may race with the last receive loops; any later round that moves nothing proves quiescence.
            _drainDone = _drainRound >= 2 && moved == 0;
        });
        foreach (var w in _workers)
            w.Start(barrier, () => _drainDone, m => Interlocked.Add(ref _drainMoved, m), pinThreads && _workers.Count <= Environment.ProcessorCount);
        if (WatchdogTimeout is { } t) _watchdog = new Watchdog(this, t);
    }

    /// <summary>Wait up to <see cref="DpdkSettings.LinkWaitSeconds"/> for every DPDK port's link, so the first bursts are
    /// not refused by a device still coming up (a memif link is up only once its peer has connected); name the ports
    /// still down and start anyway.</summary>
    private void WaitForLinks()
    {
        var ports = _ports.Where(p => p.Value is DpdkPort).Select(p => (Name: p.Key, Port: (DpdkPort)p.Value)).ToList();
        if (ports.Count == 0) return;
        var limit = TimeSpan.FromSeconds(Deployment.Dpdk.LinkWaitSeconds);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var down = ports.Where(p => !p.Port.Link().Up).ToList();
            if (down.Count == 0) return;
            if (clock.Elapsed >= limit)
            {
                Log($"warning: link down after {limit.TotalSeconds:0.#} s on {string.Join(", ", down.Select(p => $"'{p.Name}' ({p.Port.Info.DeviceName})"))}; " +
                    "starting anyway: what they cannot send is counted as tx dropped until the link comes up");
                return;
            }
            Thread.Sleep(10);
        }
    }

    /// <summary>True when every receive port is finite and done (a pcap replayed once).</summary>
    public bool SourcesExhausted => _workers.All(w => w.SourcesExhausted);

    /// <summary>Stop receiving, drain every queue, free every buffer, and stop the workers.</summary>
    public void Stop()
    {
        if (!_started || _stopped) return;
        _stopped = true;
        _watchdog?.Dispose();
        foreach (var w in _workers) w.StopReceiving();
        foreach (var w in _workers) w.Join();
        foreach (var w in _workers) w.Core.FlushDrops();
    }

    public IEnumerable<Exception> Failures => _workers.Select(w => w.Failure).OfType<Exception>();

    public void Dispose()
    {
        Stop();
        foreach (var p in _ports.Values) p.Dispose();
        _ports.Clear();
        if (_pool is { } pool)
        {
            pool.DrainCaches();
            LeakedBuffers = pool.InUse;
            pool.Dispose();
            _pool = null;
        }
        if (_dpdk is { } dpdk)
        {
            LeakedBuffers += dpdk.Pool.InUse; // ports are detached, so every mbuf should be back
            dpdk.Dispose();
            _dpdk = null;
        }
    }

    /// <summary>Buffers not returned to the pool at dispose (0 unless something leaked).</summary>
    public int LeakedBuffers { get; private set; }
}

/// <summary>A deployment that could not be built; every problem found is listed.</summary>
internal sealed class DeploymentException(IReadOnlyList<string> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
