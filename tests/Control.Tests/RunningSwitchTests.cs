using System.Diagnostics;
using Grpc.Core;
using Switchboard.Control.Tests.Support;
using Switchboard.Control.V1;

namespace Switchboard.Control.Tests;

/// <summary>Status, NFs, chains, ports and counters are the running dataplane's real values.</summary>
public class RunningSwitchTests
{
    private SwitchUnderTest _switch = null!;

    [OneTimeSetUp]
    public async Task Start() => _switch = await SwitchUnderTest.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await _switch.DisposeAsync();

    [Test]
    public async Task InfoDescribesTheRunningSwitch()
    {
        var info = await _switch.Switch().GetInfoAsync(new GetInfoRequest());
        Assert.That(info.Cores, Is.EqualTo(1));
        Assert.That(info.MachineProcessors, Is.EqualTo(Environment.ProcessorCount));
        Assert.That(info.ProcessId, Is.EqualTo(Environment.ProcessId));
        Assert.That(info.BatchSize, Is.EqualTo(_switch.Dataplane.Deployment.BatchSize));
        Assert.That(info.DeploymentPath, Is.EqualTo(_switch.DeploymentPath));
        Assert.That((info.ChainCount, info.NfInstanceCount, info.PortCount), Is.EqualTo((1, 2, 2)));
        Assert.That(info.Version, Is.Not.Empty);
        Assert.That(info.Runtime, Does.StartWith(".NET"));
        Assert.That(info.StartedUnixMs, Is.LessThanOrEqualTo(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        Assert.That(info.UnavailableOperations, Is.Empty, "every operation is implemented");
    }

    [Test]
    public async Task PortsChainsAndNfInstancesAreTheDeployment()
    {
        var ports = await _switch.Switch().ListPortsAsync(new ListPortsRequest());
        Assert.That(ports.Ports.Select(p => (p.Name, p.Kind)), Is.EquivalentTo(new[] { ("gen", "generator"), ("sink", "null") }));

        var chains = await _switch.Chains().ListAsync(new ListChainsRequest());
        Assert.That(chains.Chains, Has.Count.EqualTo(1));
        var chain = chains.Chains[0];
        Assert.That((chain.Name, chain.From, chain.To), Is.EqualTo(("main", "gen", "sink")));
        Assert.That(chain.Through, Is.EqualTo(new[] { "ttl", "mon" }));

        var instances = await _switch.Chains().ListNfInstancesAsync(new ListNfInstancesRequest());
        Assert.That(instances.Instances.Select(i => (i.Name, i.Type)), Is.EquivalentTo(new[] { ("mon", "monitor"), ("ttl", "ttl") }));
        Assert.That(instances.Instances.Select(i => i.Cores.ToArray()), Has.All.EqualTo(new[] { 0 }));
        Assert.That(instances.Instances.Select(i => i.Chains.ToArray()), Has.All.EqualTo(new[] { "main" }));
        Assert.That(instances.Instances.Single(i => i.Name == "ttl").ConfigJson, Is.EqualTo("{}"));
    }

    [Test]
    public async Task NfTypesAreTheRegistrysAndPluginsAreVerified()
    {
        var types = await _switch.Plugins().ListNfTypesAsync(new ListNfTypesRequest());
        var ttl = types.NfTypes.Single(t => t.Name == "ttl");
        Assert.That(ttl.PluginId, Is.EqualTo("Switchboard.Plugins.Ttl"));
        Assert.That(ttl.ConfigSchema, Is.True, "the in-tree ttl manifest declares a config schema");
        Assert.That(types.NfTypes.Single(t => t.Name == "nat").ConfigSchema, Is.True);
        Assert.That(ttl.Description, Is.Not.Empty);
        Assert.That(types.NfTypes.Select(t => t.Name), Is.SupersetOf(new[] { "ttl", "monitor", "nat", "firewall", "maglev", "lpm", "ips" }));

        var plugins = await _switch.Plugins().ListAsync(new ListPluginsRequest());
        var ttlPlugin = plugins.Plugins.Single(p => p.Id == "Switchboard.Plugins.Ttl");
        Assert.That(ttlPlugin.BuiltIn, Is.True);
        Assert.That(ttlPlugin.NfTypes, Is.EqualTo(new[] { "ttl" }));
        Assert.That(ttlPlugin.Verification, Is.EqualTo(VerificationState.Verified));
    }

    [Test]
    public async Task CountersAreLiveAndGrowBetweenTwoCalls()
    {
        var client = _switch.Counters();
        var first = await client.GetAsync(new GetCountersRequest());
        CounterSnapshot second;
        var waited = Stopwatch.StartNew();
        do
        {
            await Task.Delay(50);
            second = await client.GetAsync(new GetCountersRequest());
        } while (Ttl(second).PacketsIn <= Ttl(first).PacketsIn && waited.Elapsed < TimeSpan.FromSeconds(20));

        Assert.That(Ttl(second).PacketsIn, Is.GreaterThan(Ttl(first).PacketsIn));
        Assert.That(Port(second, "gen").RxPackets, Is.GreaterThan(Port(first, "gen").RxPackets));
        Assert.That(second.UptimeSeconds, Is.GreaterThan(first.UptimeSeconds));
        Assert.That(second.Cores.Single().Rounds, Is.GreaterThan(first.Cores.Single().Rounds));

        var ttl = Ttl(second);
        Assert.That(ttl.Type, Is.EqualTo("ttl"));
        Assert.That(ttl.PerCore.Single().Core, Is.Zero);
        Assert.That(ttl.PerCore.Single().PacketsIn, Is.EqualTo(ttl.PacketsIn), "one core: its share is the total");
        Assert.That(ttl.Faulted, Is.Zero);
        var mon = second.Nfs.Single(n => n.Name == "mon");
        Assert.That(mon.Counters["flows"], Is.EqualTo(50), "the monitor's own counters (ICounterSource) are there: it saw the 50 generated flows");
        Assert.That(Port(second, "sink").Kind, Is.EqualTo("null"));
        Assert.That(Port(second, "sink").TxPackets, Is.GreaterThan(0));
    }

    [Test]
    public async Task WatchStreamsSnapshotsAtTheIntervalUntilCount()
    {
        using var call = _switch.Counters().Watch(new WatchCountersRequest { IntervalMs = 100, Count = 3 });
        var snapshots = await call.ResponseStream.ReadAllAsync().ToListAsync();
        Assert.That(snapshots, Has.Count.EqualTo(3));
        Assert.That(snapshots.Select(s => Ttl(s).PacketsIn), Is.Ordered);
        Assert.That(snapshots.Select(s => s.UptimeSeconds), Is.Ordered.And.Unique);
    }

    [Test]
    public async Task WatchRefusesATooShortInterval()
    {
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = _switch.Counters().Watch(new WatchCountersRequest { IntervalMs = 5 });
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });
        Assert.That(e!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(e.Status.Detail, Does.Contain("interval_ms"));
    }

    private static NfCounters Ttl(CounterSnapshot s) => s.Nfs.Single(n => n.Name == "ttl");
    private static PortCounters Port(CounterSnapshot s, string name) => s.Ports.Single(p => p.Name == name);
}
