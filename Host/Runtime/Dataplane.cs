using Switchboard.Host.Config;
using Switchboard.Host.Ports;
using Switchboard.Host.Ports.Dpdk;
using Switchboard.Sdk;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Runtime;

/// <summary>
/// A running deployment: one buffer pool, the ports, and one worker per core holding a replica of
/// every chain (thesis 3.1.2: the whole chain on one core, replicated across cores; each port queue
/// is read by one core, so a flow stays on its core). Build fails without side effects: anything
/// created is disposed before the error is reported.
/// </summary>
internal sealed class Dataplane : IDisposable
{
    private readonly List<Worker> _workers = [];
    private readonly Dictionary<string, IPort> _ports = [];
    private readonly List<NfInstance> _nfs = [];
    private readonly List<Node> _nodes = [];
    private NativePool? _pool;
    private DpdkRuntime? _dpdk;
    private long _drainMoved;
    private int _drainRound;
    private volatile bool _drainDone;
    private bool _started, _stopped;

    public sealed record NfInstance(string Name, string Type, int Core, INetworkFunction Function, NfEntryNode Entry, NfExitNode Exit, IReadOnlyList<Node> Nodes);

    private Dataplane(Deployment deployment) => Deployment = deployment;

    public Deployment Deployment { get; }
    public IReadOnlyList<Worker> Workers => _workers;
    public IReadOnlyDictionary<string, IPort> Ports => _ports;
    public IReadOnlyList<NfInstance> Nfs => _nfs;
    public IReadOnlyList<Node> Nodes => _nodes;
    public NativePool Pool => _pool!;
    /// <summary>The DPDK mempool of the deployment's DPDK ports; null without DPDK ports.</summary>
    public DpdkPool? DpdkPool => _dpdk?.Pool;
    public Action<string> Log { get; init; } = Console.Error.WriteLine;

    /// <summary>Buffers per core: enough for RX bursts, group-by and shuffle queues, and pcap writer buffering.</summary>
    public static int PoolSizeFor(Deployment d) => Math.Max(8192, d.Cores * (d.Chains.Count * 4096 + 4096));

    public static Dataplane Build(Deployment deployment, NfRegistry registry, Action<string>? log = null)
    {
        var dp = new Dataplane(deployment) { Log = log ?? Console.Error.WriteLine };
        try
        {
            dp.Construct(registry);
            return dp;
        }
        catch
        {
            dp.Dispose();
            throw;
        }
    }

    private void Construct(NfRegistry registry)
    {
        var d = Deployment;
        _pool = new NativePool("switch", PoolSizeFor(d), maxWorkers: d.Cores);
        _dpdk = DpdkRuntime.For(d, Log); // starts the EAL first, only when a DPDK port is configured
        int index = 0;
        foreach (var (name, spec) in d.Ports)
        {
            var port = _ports[name] = PortFactory.Create(spec, index++, d.Cores, _pool, _dpdk);
            if (port is PcapReaderPort { SkippedOversize: > 0 } pcap)
                Log($"warning: {spec.Path}: {pcap.SkippedOversize} record(s) of {pcap.File.Path} are longer than the {_pool.DataRoom}-byte packet buffers and are skipped");
        }

        var shared = new SharedRegistry();
        var errors = new List<string>();
        try
        {
            for (int core = 0; core < d.Cores; core++)
            {
                // Build each replica as its core, so NFs may initialise per-core state in Build.
                CurrentCoreHook.Set(core);
                var events = new EventScheduler(Log);
                var ctx = new CoreContext(core, d.Cores, shared, _pool, d.BatchSize);
                ctx.Schedulables.Add(events);
                var worker = new Worker(ctx, events);
                var builder = new GraphBuilder(ctx);
                foreach (var chain in d.Chains)
                {
                    var rx = new PortReceiveNode(_ports[chain.From], core, d.BatchSize, ctx);
                    worker.AddReceiver(rx);
                    builder.Scope = chain.Name;
                    var pipe = builder.Source(n => rx.Next = n, $"{chain.Name}:{chain.From}");
                    foreach (var nfName in chain.Through)
                        pipe = BuildNf(d.Nfs[nfName], registry, builder, ctx, events, pipe, core, errors);
                    builder.Scope = chain.Name;
                    pipe.Connect(new PortSendNode(_ports[chain.To], core) { Name = $"tx:{chain.To}" }, "tx");
                }
                if (errors.Count == 0)
                    foreach (var open in builder.Unconnected)
                        errors.Add($"core {core}: the output of '{open}' is not connected (end the branch with .Drop() or route it)");
                _nodes.AddRange(builder.Nodes);
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

    private Pipe BuildNf(NfSpec spec, NfRegistry registry, GraphBuilder builder, CoreContext ctx, EventScheduler events,
        Pipe input, int core, List<string> errors)
    {
        builder.Scope = spec.Name;
        var entry = new NfEntryNode { Name = spec.Name };
        var inner = input.Then(entry, "entry");
        var nf = registry.Create(spec.Type);
        var config = new NfConfig(spec.Config, spec.Path + ".config");
        var nfCtx = new NfContext(spec.Name, config, ctx, events, Log);
        Pipe output;
        try
        {
            output = nf.Build(inner, nfCtx);
        }
        catch (Exception ex)
        {
            // Keep going with a placeholder so one run reports every NF's errors.
            errors.Add(ex is ConfigException ce ? $"{ce.JsonPath}: {ce.Reason}" : $"{spec.Path}: NF '{spec.Name}' ({spec.Type}) failed to build: {ex.Message}");
            return builder.Source(_ => { }, "failed");
        }
        if (output.Builder != builder) errors.Add($"{spec.Path}: NF '{spec.Name}' returned a pipe from another graph");
        var exit = new NfExitNode { Name = spec.Name + ":out" };
        var after = output.Then(exit, "exit");
        _nfs.Add(new NfInstance(spec.Name, spec.Type, core, nf, entry, exit, builder.Nodes.Where(n => n.Name.StartsWith(spec.Name + "/", StringComparison.Ordinal)).ToList()));
        return after;
    }

    /// <summary>Start the worker threads.</summary>
    public void Start(bool pinThreads = true)
    {
        if (_started) throw new InvalidOperationException("Already started.");
        _started = true;
        var barrier = new Barrier(_workers.Count, _ =>
        {
            long moved = Interlocked.Exchange(ref _drainMoved, 0);
            _drainRound++;
            // Round 1 may race with the last receive loops; any later round that moves nothing proves quiescence.
            _drainDone = _drainRound >= 2 && moved == 0;
        });
        foreach (var w in _workers)
            w.Start(barrier, () => _drainDone, m => Interlocked.Add(ref _drainMoved, m), pinThreads && _workers.Count <= Environment.ProcessorCount);
    }

    /// <summary>True when every receive port is finite and done (a pcap replayed once).</summary>
    public bool SourcesExhausted => _workers.All(w => w.SourcesExhausted);

    /// <summary>Stop receiving, drain every queue, free every buffer, and stop the workers.</summary>
    public void Stop()
    {
        if (!_started || _stopped) return;
        _stopped = true;
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
