using Grpc.Core;
using Switchboard.Control.Tests.Support;
using Switchboard.Control.V1;

namespace Switchboard.Control.Tests;

/// <summary>
/// A vendor plugin's whole life in a running switch over the control plane: load the package, insert an instance
/// into a chain carrying traffic, replace it with the next version, remove it, unload the plugin (its load context
/// collected); then stop and count: every packet the generator made reached the sink, none was dropped.
/// </summary>
public class PluginLifecycleTests
{
    private static async Task<RpcException> Fails(Func<Task> call) => (await Assert.ThrowsAsync<RpcException>(async () => await call()))!;

    [Test]
    public async Task LoadInsertReplaceRemoveUnloadLosesNoPacket()
    {
        var sw = await SwitchUnderTest.StartAsync();
        try
        {
            var v1 = VendorPackage.Write(sw.Directory, "counter-1", VendorPackage.CounterSource("seen"), "1.0.0");
            var v2 = VendorPackage.Write(sw.Directory, "counter-2", VendorPackage.CounterSource("seen-v2"), "2.0.0");
            var plugins = sw.Plugins();

            var loaded = await plugins.LoadAsync(new LoadPluginRequest { Package = new PackageSource { Path = v1 } });
            Assert.That((loaded.Plugin.Id, loaded.Plugin.Version), Is.EqualTo(("acme.counter", "1.0.0")));
            var counter = (await plugins.ListNfTypesAsync(new ListNfTypesRequest())).NfTypes.Single(t => t.Name == "counter");
            Assert.That((counter.PluginId, counter.PluginVersion, counter.ConfigSchema), Is.EqualTo(("acme.counter", "1.0.0", false)));
            var again = await Fails(() => plugins.LoadAsync(new LoadPluginRequest { Package = new PackageSource { Path = v2 } }).ResponseAsync);
            Assert.That(again.StatusCode, Is.EqualTo(StatusCode.AlreadyExists));
            Assert.That(again.Status.Detail, Does.Contain("ctl replace"));

            await sw.Chains().InsertNfAsync(new InsertNfRequest { Chain = "main", NewInstance = new NfInstanceSpec { Name = "count", Type = "counter" }, Position = 1 });
            await Until(() => Counter(sw, "count", "seen") > 1000);
            var inUse = await Fails(() => plugins.UnloadAsync(new UnloadPluginRequest { PluginId = "acme.counter" }).ResponseAsync);
            Assert.That(inUse.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
            Assert.That(inUse.Status.Detail, Does.Contain("count"));

            var replaced = await plugins.ReplaceAsync(new ReplaceNfRequest { Instance = "count", Package = new PackageSource { Path = v2 } });
            Assert.That(replaced.Detail, Does.Contain("unloaded acme.counter 1.0.0"), "the old generation is unloaded once nothing runs it");
            await Until(() => Counter(sw, "count", "seen-v2") > 1000);

            await sw.Chains().RemoveNfAsync(new RemoveNfRequest { Chain = "main", Instance = "count" });
            var unloaded = await plugins.UnloadAsync(new UnloadPluginRequest { PluginId = "acme.counter" });
            Assert.That(unloaded.Collected, Is.True, unloaded.Detail);
            Assert.That((await plugins.ListAsync(new ListPluginsRequest())).Plugins.Select(p => p.Id), Does.Not.Contain("acme.counter"));
            await Until(() => sw.Dataplane.Ports["sink"].Counters.TxPackets > 0);

            sw.Dataplane.Stop(); // drains every queue
            long made = sw.Dataplane.Ports["gen"].Counters.RxPackets, sent = sw.Dataplane.Ports["sink"].Counters.TxPackets;
            long dropped = Switchboard.Host.Cli.Report.Take(sw.Dataplane, 0).Dropped;
            Assert.That((sent, dropped), Is.EqualTo((made, 0L)), $"generator made {made}, sink got {sent}, dropped {dropped}");
        }
        finally
        {
            await sw.DisposeAsync();
        }
        Assert.That(sw.Dataplane.LeakedBuffers, Is.Zero);
    }

    private static long Counter(SwitchUnderTest sw, string instance, string name)
    {
        var nf = sw.Dataplane.Nfs.FirstOrDefault(n => n.Name == instance);
        if (nf?.Function is not Switchboard.Sdk.ICounterSource source) return 0;
        var into = new List<KeyValuePair<string, long>>();
        source.ReadCounters(into);
        return into.Where(kv => kv.Key == name).Sum(kv => kv.Value);
    }

    private static async Task Until(Func<bool> condition)
    {
        for (int i = 0; i < 1000 && !condition(); i++) await Task.Delay(10);
        Assert.That(condition(), Is.True);
    }
}
