using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Switchboard.Control.V1;
using Switchboard.Host.Runtime;
using Switchboard.Sdk;

namespace Switchboard.Host.Control.Services;

/// <summary>CounterService: the per-NF, per-port and per-core counters the run report prints, read live.</summary>
internal sealed class CounterApi(SwitchState state, IHostApplicationLifetime lifetime) : CounterService.CounterServiceBase
{
    public const uint MinIntervalMs = 100, DefaultIntervalMs = 1000;

    public override Task<CounterSnapshot> Get(GetCountersRequest request, ServerCallContext context) =>
        Task.FromResult(Take(state));

    public override async Task Watch(WatchCountersRequest request, IServerStreamWriter<CounterSnapshot> responseStream, ServerCallContext context)
    {
        uint interval = request.IntervalMs == 0 ? DefaultIntervalMs : request.IntervalMs;
        if (interval < MinIntervalMs) throw ProtoMapping.Invalid($"interval_ms must be at least {MinIntervalMs} (got {request.IntervalMs})");
        // The stream ends when the client cancels or the switch stops.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(interval));
        uint sent = 0;
        try
        {
            do
            {
                await responseStream.WriteAsync(Take(state), stop.Token);
                if (request.Count != 0 && ++sent >= request.Count) return;
            } while (await timer.WaitForNextTickAsync(stop.Token));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Client went away or the switch is stopping: a normal end of the stream.
        }
    }

    /// <summary>One snapshot of every counter, summed the way <c>switchboard run</c>'s report sums them.</summary>
    public static CounterSnapshot Take(SwitchState state)
    {
        var dp = state.Dataplane;
        var snapshot = new CounterSnapshot { UnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), UptimeSeconds = state.UptimeSeconds };
        foreach (var group in dp.Nfs.GroupBy(n => n.Name))
            snapshot.Nfs.Add(NfCounters(group.Key, group.ToList()));
        foreach (var (name, port) in dp.Ports)
        {
            var c = port.Counters;
            snapshot.Ports.Add(new PortCounters
            {
                Name = name, Kind = port.Kind, RxPackets = c.RxPackets, TxPackets = c.TxPackets, TxDropped = c.TxDropped, RxNoBuffer = c.RxNoBuffer,
            });
        }
        foreach (var w in dp.Workers)
            snapshot.Cores.Add(new CoreCounters { Core = w.Core.CoreId, Dropped = w.Core.DroppedTotal, Rounds = w.Rounds, IdleRounds = w.IdleRounds });
        return snapshot;
    }

    private static NfCounters NfCounters(string name, List<Dataplane.NfInstance> replicas)
    {
        var nf = new NfCounters { Name = name, Type = replicas[0].Type };
        var own = new List<KeyValuePair<string, long>>();
        foreach (var r in replicas.OrderBy(r => r.Core))
        {
            var core = new NfCoreCounters
            {
                Core = r.Core, PacketsIn = r.LifetimeIn, PacketsOut = r.LifetimeOut, Dropped = r.LifetimeDropped, Faulted = r.LifetimeFaulted,
            };
            nf.PerCore.Add(core);
            nf.PacketsIn += core.PacketsIn;
            nf.PacketsOut += core.PacketsOut;
            nf.Dropped += core.Dropped;
            nf.Faulted += core.Faulted;
            if (r.Function is ICounterSource source) source.ReadCounters(own);
            foreach (var parse in r.Nodes.OfType<IParseFailures>())
                for (int i = 0; i < parse.Failures.Count; i++)
                    if (parse.Failures[i] > 0) Add(nf.ParseDrops, ((ParseStatus)i).ToString(), parse.Failures[i]);
        }
        foreach (var (key, value) in own) Add(nf.Counters, key, value);
        var fault = replicas.SelectMany(r => r.Nodes).Select(n => n.LastFault).LastOrDefault(f => f is not null);
        if (fault is not null) nf.LastFault = $"{fault.GetType().Name}: {fault.Message}";
        return nf;
    }

    private static void Add(Google.Protobuf.Collections.MapField<string, long> map, string key, long value) =>
        map[key] = map.TryGetValue(key, out long old) ? old + value : value;
}
