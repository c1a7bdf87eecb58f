using System.Collections.Concurrent;
using Switchboard.Sdk.State;

namespace Switchboard.Sdk.Tests.State;

public class StrictConsistencyTests
{
    [TestCase(1)]
    [TestCase(64)]
    public void ConcurrentIncrementsFromFourCores_SumExactly(int stripes)
    {
        const int perThread = 50_000;
        var map = new StrictConsistencyMap<string, long>(stripes);
        CoreThreads.Run([0, 1, 2, 3], core =>
        {
            for (int i = 0; i < perThread; i++)
            {
                map.AddOrUpdate("total", 1L, static (_, old) => old + 1);
                map.AddOrUpdate($"k{i % 10}", 0, static (_, _) => 1L, static (_, old, _) => old + 1);
            }
        });
        Assert.That(map.GetValueOrDefault("total", 0), Is.EqualTo(4L * perThread));
        long spread = 0;
        for (int k = 0; k < 10; k++) spread += map.GetValueOrDefault($"k{k}", 0);
        Assert.That(spread, Is.EqualTo(4L * perThread));
        Assert.That(map.Count, Is.EqualTo(11));
    }

    // Bank-transfer serialisability check: writers move money between random accounts in two-key transactions
    // while readers sum every account in one read transaction. Any interleaving that is not serialisable shows
    // up as a reader seeing a total other than the constant (money in flight) or a negative balance.
    [TestCase(4)]
    [TestCase(64)]
    public void RandomTransfers_KeepTotalConstant_AsSeenByConcurrentReadTransactions(int stripes)
    {
        const int accounts = 16, initial = 1_000, transfersPerWriter = 20_000;
        var map = new StrictConsistencyMap<int, long>(stripes);
        for (int a = 0; a < accounts; a++) map.Set(a, initial);
        int[] all = Enumerable.Range(0, accounts).ToArray();
        int writersDone = 0;
        long readsChecked = 0, transfersMade = 0;
        var violations = new ConcurrentQueue<string>();

        CoreThreads.Run([0, 1, 2, 3, 4, 5], core =>
        {
            if (core < 4)
            {
                var rng = new Random(core);
                for (int i = 0; i < transfersPerWriter; i++)
                {
                    int from = rng.Next(accounts), to = (from + 1 + rng.Next(accounts - 1)) % accounts;
                    long amount = rng.Next(1, 200);
                    bool moved = map.Transaction([from, to], (from, to, amount), static (tx, t) =>
                    {
                        long balance = tx.GetValueOrDefault(t.from, 0);
                        if (balance < t.amount) return false;
                        tx.Set(t.from, balance - t.amount);
                        tx.Set(t.to, tx.GetValueOrDefault(t.to, 0) + t.amount);
                        return true;
                    });
                    if (moved) Interlocked.Increment(ref transfersMade);
                }
                Interlocked.Increment(ref writersDone);
                return;
            }
            while (Volatile.Read(ref writersDone) < 4)
            {
                var (sum, negative) = map.Transaction(all, 0, static (tx, _) =>
                {
                    long s = 0; bool neg = false;
                    for (int a = 0; a < accounts; a++) { long b = tx.GetValueOrDefault(a, 0); s += b; neg |= b < 0; }
                    return (s, neg);
                });
                if (sum != accounts * initial || negative) violations.Enqueue($"core {core} saw total {sum}, negative={negative}");
                Interlocked.Increment(ref readsChecked);
            }
        });

        Assert.That(violations, Is.Empty);
        Assert.That(transfersMade, Is.GreaterThan(0));
        long final = 0;
        for (int a = 0; a < accounts; a++) final += map.GetValueOrDefault(a, 0);
        Assert.That(final, Is.EqualTo(accounts * initial));
    }

    [Test]
    public void UndeclaredKeyInTransaction_Throws_AndLocksAreReleased()
    {
        var map = new StrictConsistencyMap<int, int>(stripes: 8);
        int declared = 0, other = Enumerable.Range(1, 100).First(k => map.StripeOf(k) != map.StripeOf(0));
        var e = Assert.Throws<InvalidOperationException>(() =>
            map.Transaction([declared], other, static (tx, key) => tx.Set(key, 1)));
        Assert.That(e!.Message, Does.Contain($"'{other}'"));
        Assert.That(map.TryGetValue(other, out _), Is.False, "the undeclared write must not happen");

        // A body that throws must release its locks: another thread can then take the same keys.
        Assert.Throws<ApplicationException>(() =>
            map.Transaction([declared, other], 0, static (tx, _) => { tx.Set(0, 5); throw new ApplicationException("boom"); }));
        CoreThreads.On(1, () => map.Transaction([declared, other], 0, static (tx, _) => tx.Set(0, tx.GetValueOrDefault(0, 0) + 1)));
        Assert.That(map.GetValueOrDefault(0, -1), Is.EqualTo(6), "writes before the throw stay (isolation, not rollback)");
    }

    [Test]
    public void SetGetRemove_BehaveLikeAMap()
    {
        var map = new StrictConsistencyMap<string, int>();
        Assert.That(map.StripeCount, Is.EqualTo(64));
        map.Set("a", 1);
        map.Set("a", 2);
        Assert.That(map.TryGetValue("a", out var a), Is.True);
        Assert.That(a, Is.EqualTo(2));
        Assert.That(map.Remove("a"), Is.True);
        Assert.That(map.Remove("a"), Is.False);
        Assert.That(map.Count, Is.Zero);
        Assert.That(new StrictConsistencyMap<int, int>(stripes: 5).StripeCount, Is.EqualTo(8));
    }
}
