using Switchboard.Sdk.Runtime;

namespace Switchboard.Sdk.Tests.Runtime;

public class SpscRingTests
{
    [Test]
    public void FillsToCapacity_ThenRefuses_ThenDrainsInOrder()
    {
        var ring = new SpscRing(8);
        for (int i = 0; i < 8; i++) Assert.That(ring.TryEnqueue(i + 1), Is.True);
        Assert.That(ring.TryEnqueue(99), Is.False);
        Assert.That(ring.Count, Is.EqualTo(8));
        var buf = new nint[5];
        Assert.That(ring.DequeueBulk(buf), Is.EqualTo(5));
        Assert.That(buf, Is.EqualTo(new nint[] { 1, 2, 3, 4, 5 }));
        Assert.That(ring.TryEnqueue(9), Is.True, "space freed by the consumer is reusable");
        Assert.That(ring.DequeueBulk(buf), Is.EqualTo(4));
        Assert.That(buf[..4], Is.EqualTo(new nint[] { 6, 7, 8, 9 }));
        Assert.That(ring.DequeueBulk(buf), Is.Zero);
    }

    [Test]
    public void Capacity_MustBeAPowerOfTwo()
    {
        Assert.Throws<ArgumentException>(() => new SpscRing(12));
        Assert.Throws<ArgumentException>(() => new SpscRing(0));
    }

    [Test]
    public void TwoThreads_TransferAMillionItems_InOrder_NoneLost()
    {
        const int count = 1_000_000;
        var ring = new SpscRing(1024);
        long produced = 0, received = 0, outOfOrder = 0;
        var producer = new Thread(() =>
        {
            var wait = new SpinWait();
            for (long i = 1; i <= count; i++)
                while (!ring.TryEnqueue((nint)i)) wait.SpinOnce(); // yields the CPU when spinning long
            produced = count;
        }) { IsBackground = true };
        var consumer = new Thread(() =>
        {
            var buf = new nint[64];
            var wait = new SpinWait();
            long expect = 1;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (expect <= count && DateTime.UtcNow < deadline)
            {
                int n = ring.DequeueBulk(buf);
                if (n == 0) { wait.SpinOnce(); continue; }
                for (int i = 0; i < n; i++, expect++)
                    if (buf[i] != expect) outOfOrder++;
            }
            received = expect - 1;
        }) { IsBackground = true };
        producer.Start();
        consumer.Start();
        producer.Join();
        consumer.Join();
        Assert.That(produced, Is.EqualTo(count));
        Assert.That(received, Is.EqualTo(count));
        Assert.That(outOfOrder, Is.Zero);
        Assert.That(ring.Count, Is.Zero);
    }
}
