using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Sdk.Tests.Streams;

public unsafe class WindowAllocationTests
{
    private sealed class Counter { public long Bytes, Calls; }

    private readonly struct CountBytes(Counter counter, bool emit) : IStreamUdf
    {
        public void OnWindow(in StreamContext stream, ReadOnlySpan<byte> data)
        {
            counter.Bytes += data.Length;
            counter.Calls++;
            if (emit) stream.Emit(data);
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public void SteadyStateReassembly_DoesNotAllocate(bool consumeAndPacketize)
    {
        var h = new GraphHarness();
        var counter = new Counter();
        h.Input.Parse<Ethernet>().Parse<Ipv4>().Parse<Tcp>().Window(new WindowOptions { WindowSize = 64, Slide = 16, Consume = consumeAndPacketize }, new CountBytes(counter, consumeAndPacketize)).Drop();
        var entry = h.Entry;
        var batch = new PacketBatch();
        var payload = new byte[100];
        // Pre-built frames for 20 connections: SYN, three data segments (one out of order) and FIN.
        var frames = new List<byte[]>();
        for (ushort port = 1; port <= 20; port++)
        {
            var c = new Conversation(clientIsn: port * 1000u, clientPort: port);
            frames.Add(c.Syn());
            frames.Add(Frames.Tcp(Conversation.Client, Conversation.Server, port, 80, port * 1000u + 101, 1, Tcp.Ack, payload));
            frames.Add(Frames.Tcp(Conversation.Client, Conversation.Server, port, 80, port * 1000u + 1, 1, Tcp.Ack, payload));
            frames.Add(Frames.Tcp(Conversation.Client, Conversation.Server, port, 80, port * 1000u + 201, 1, Tcp.Ack, payload));
            frames.Add(c.Fin(300));
        }

        void RunAll()
        {
            foreach (var f in frames)
            {
                batch.Add(TestPool.Make(f));
                if (batch.IsFull) entry.Process(batch);
            }
            if (batch.Count > 0) entry.Process(batch);
            h.Core.FlushDrops();
            h.Poll(global::Switchboard.Sdk.Runtime.CoreContext.Now + System.Diagnostics.Stopwatch.Frequency * 3600); // expire the closed markers
        }

        for (int i = 0; i < 3; i++) RunAll(); // warm up pools, JIT and the flow table
        long before = GC.GetAllocatedBytesForCurrentThread();
        RunAll();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(allocated, Is.Zero);
        Assert.That(counter.Calls, Is.EqualTo(4 * 20 * ((300 - 64) / 16 + 1 + 1)));
        Assert.That(h.Builder.Nodes.OfType<WindowNode<CountBytes>>().Single().Emitted, consumeAndPacketize ? Is.GreaterThan(0) : Is.Zero);
        Assert.That(h.InUseDelta, Is.Zero);
    }
}
