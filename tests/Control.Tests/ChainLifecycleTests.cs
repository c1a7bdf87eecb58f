using Switchboard.Control.Tests.Support;
using Switchboard.Control.V1;

namespace Switchboard.Control.Tests;

/// <summary>Chains deleted and created in a running switch: deleting frees the port (its NFs drained and retired),
/// a new chain from it with new NF instances carries the traffic, and nothing is lost or leaked.</summary>
public class ChainLifecycleTests
{
    [Test]
    public async Task DeleteTheChainThenCreateAnotherFromItsPort()
    {
        var sw = await SwitchUnderTest.StartAsync();
        try
        {
            var chains = sw.Chains();
            var deleted = await chains.DeleteAsync(new DeleteChainRequest { Name = "main" });
            Assert.That(deleted.Detail, Does.Contain("removed 2 NF instance(s)").And.Contain("port 'gen' is no longer read"));
            Assert.That((await chains.ListAsync(new ListChainsRequest())).Chains, Is.Empty);
            Assert.That(sw.Dataplane.RunningNfs, Is.Empty);

            var created = await chains.CreateAsync(new CreateChainRequest
            {
                Name = "filtered", From = "gen", To = "sink", Through = { "fw", "ttl" },
                NewInstances =
                {
                    new NfInstanceSpec { Name = "fw", Type = "firewall", ConfigJson = """{"default":"accept"}""" },
                    new NfInstanceSpec { Name = "ttl", Type = "ttl" },
                },
            });
            Assert.That(created.Chain.Through, Is.EqualTo(new[] { "fw", "ttl" }));
            long before = sw.Dataplane.Ports["sink"].Counters.TxPackets;
            for (int i = 0; i < 500 && sw.Dataplane.Ports["sink"].Counters.TxPackets < before + 1000; i++) await Task.Delay(10);
            Assert.That(sw.Dataplane.Nfs.Where(n => n.Name == "fw").Sum(n => n.Entry.PacketsIn), Is.GreaterThan(0), "traffic flows through the new chain");
            Assert.That(sw.Dataplane.Ports["sink"].Counters.TxPackets, Is.GreaterThan(before),
                string.Join("; ", sw.Dataplane.Nfs.Select(n => $"{n.Name} in {n.Entry.PacketsIn} out {n.Exit.PacketsIn}")) + $"; gen rx {sw.Dataplane.Ports["gen"].Counters.RxPackets}; failures: {string.Join(" | ", sw.Dataplane.Failures)}");

            sw.Dataplane.Stop();
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
}
