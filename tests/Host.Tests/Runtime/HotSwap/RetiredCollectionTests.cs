using System.Runtime.CompilerServices;
using Switchboard.Host.Runtime;

namespace Switchboard.Host.Tests.Runtime.HotSwap;

/// <summary>After a replace the dataplane holds nothing of the old generation, so a plugin's collectible load
/// context can unload once the caller drops the returned NF objects.</summary>
public class RetiredCollectionTests
{
    [Test]
    public void RetiredNfObjectsAreCollectableOnceTheCallerDropsThem()
    {
        using var rig = new SeqRig("""
            "tick": { "type": "test-ticker" }, "sg": { "type": "test-shuffle-groupby" }
            """, ["tick", "sg"]);
        rig.WaitForTraffic();
        var old = ReplaceBoth(rig.Dp);
        rig.WaitForTraffic();
        for (int i = 0; i < 3 && old.Any(w => w.IsAlive); i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.That(old.Count(w => w.IsAlive), Is.Zero, "something in the dataplane still references a retired NF");
        var audit = rig.Finish();
        Assert.That((audit.Missing, audit.Duplicated, audit.Leaked), Is.EqualTo((0L, 0L, 0)));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<WeakReference> ReplaceBoth(Dataplane dp)
    {
        var refs = dp.Nfs.Select(n => new WeakReference(n.Function)).ToList();
        dp.ReplaceNf("tick", () => new TickerNf());
        dp.ReplaceNf("sg", () => new Switchboard.Host.Tests.Runtime.ShuffleGroupByNf());
        return refs;
    }
}
