using Switchboard.Sdk.Runtime;
using Switchboard.Sdk.State;

namespace Switchboard.Sdk.Tests.State;

public class PartitionedStateTests
{
    [Test]
    public void CurrentCore_IsMinusOneOnNonWorkerThreads_AndWhatWorkersSet()
    {
        Assert.That(CoreThreads.On(-1, () => CurrentCore.Id), Is.EqualTo(-1));
        Assert.That(CoreThreads.On(3, () => CurrentCore.Id), Is.EqualTo(3));
        Assert.That(CoreThreads.On(0, () => CurrentCore.Id), Is.EqualTo(0));
    }

    [Test]
    public void Map_WorksForItsOwner()
    {
        var map = new PartitionedMap<int, string>(ownerCore: 1);
        CoreThreads.On(1, () =>
        {
            map.Set(7, "seven");
            Assert.That(map.GetOrAdd(8, "eight", static (_, s) => s), Is.EqualTo("eight"));
            Assert.That(map.GetOrAdd(8, "other", static (_, _) => throw new AssertionException("created twice")), Is.EqualTo("eight"));
            ref var counter = ref map.GetValueRefOrAddDefault(9, out bool existed);
            Assert.That(existed, Is.False);
            counter = "nine";
            Assert.That(map.TryGetValue(9, out var nine), Is.True);
            Assert.That(nine, Is.EqualTo("nine"));
            Assert.That(map.Remove(7), Is.True);
            int seen = 0;
            foreach (var _ in map) seen++;
            Assert.That(seen, Is.EqualTo(2));
            Assert.That(map.Count, Is.EqualTo(2));
        });
    }

    [Test]
    public void Map_ThrowsForForeignCoreAndNonWorker_NamingTheCores()
    {
        var map = new PartitionedMap<int, int>(ownerCore: 1);
        CoreThreads.On(1, () => map.Set(1, 1));

        var foreign = Assert.Throws<InvalidOperationException>(() => CoreThreads.On(2, () => map.TryGetValue(1, out _)));
        Assert.That(foreign!.Message, Does.Contain("core 1").And.Contain("core 2"));
        var plane = Assert.Throws<InvalidOperationException>(() => CoreThreads.On(-1, () => map.Set(2, 2)));
        Assert.That(plane!.Message, Does.Contain("core 1").And.Contain("non-worker"));
        Assert.That(CoreThreads.On(1, () => map.Count), Is.EqualTo(1), "failed foreign accesses must not change the map");
    }

    [Test]
    public void State_EachCoreUpdatesOnlyItsOwnPartition_WithoutLostUpdates()
    {
        const int cores = 4, increments = 200_000;
        var counters = new PartitionedState<long>(cores, _ => 0L);
        CoreThreads.Run([0, 1, 2, 3], core =>
        {
            for (int i = 0; i < increments * (core + 1); i++) counters.Local++;
        });
        for (int core = 0; core < cores; core++)
        {
            int c = core;
            Assert.That(CoreThreads.On(c, () => counters.Of(c)), Is.EqualTo((long)increments * (c + 1)));
        }
    }

    [Test]
    public void State_ForeignPartitionOrNonWorkerThrows()
    {
        var lists = new PartitionedState<List<int>>(2, core => [core]);
        Assert.That(CoreThreads.On(1, () => lists.Local[0]), Is.EqualTo(1));
        var foreign = Assert.Throws<InvalidOperationException>(() => CoreThreads.On(1, () => lists.Of(0)));
        Assert.That(foreign!.Message, Does.Contain("core 0").And.Contain("core 1"));
        Assert.Throws<InvalidOperationException>(() => CoreThreads.On(-1, () => lists.Local));
        Assert.Throws<InvalidOperationException>(() => CoreThreads.On(5, () => lists.Local), "no partition for core 5");
    }
}
