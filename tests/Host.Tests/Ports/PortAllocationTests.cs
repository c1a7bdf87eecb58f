using Switchboard.Host.Config;
using Switchboard.Host.Ports;
using Switchboard.Sdk;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Tests.Ports;

/// <summary>The per-batch paths (Receive, Send) allocate nothing on the managed heap once warm.</summary>
public sealed unsafe class PortAllocationTests
{
    private NativePool _pool = null!;
    private string _path = "";

    [OneTimeSetUp] public void CreatePool() => _pool = new NativePool("alloc-tests", 1024, maxWorkers: 1);
    [OneTimeTearDown] public void DisposePool() => _pool.Dispose();

    [TearDown]
    public void CheckNoLeak()
    {
        if (_path != "") File.Delete(_path);
        Assert.That(_pool.InUse, Is.Zero, "every buffer returned to the pool");
    }

    /// <summary>Receive from <paramref name="source"/> and send to <paramref name="sink"/>, batch by batch.</summary>
    private static long BytesAllocatedForwarding(IPort source, IPort sink, int batches)
    {
        var descs = stackalloc PacketDesc*[32];
        void Run(int count)
        {
            for (int i = 0; i < count; i++)
            {
                int n = source.Receive(0, descs, 32);
                sink.Send(0, descs, n);
            }
        }
        Run(200); // warm up: tiering, lazily created buffers
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(batches);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Test]
    public void GeneratorToNullAllocatesNothing()
    {
        using var gen = new GeneratorPort(new GeneratorPortSpec("g", "$.g") { Flows = 64, MaxSize = 1000, RateMpps = 1000 }, 0, 1, _pool);
        using var sink = new NullPort(new NullPortSpec("n", "$.n"), 1);
        Assert.That(BytesAllocatedForwarding(gen, sink, 2000), Is.Zero);
        Assert.That(sink.Counters.TxPackets, Is.GreaterThan(0));
    }

    [Test]
    public void PcapReplayToPcapWriterAllocatesNothing()
    {
        _path = PortTestSupport.TempPath("pcap");
        using (var seed = new PcapWriterPort("seed", _path, 65535, 1))
            PortTestSupport.Send(seed, _pool, 0, Enumerable.Range(0, 50).Select(i => PortTestSupport.Udp(1, 2, (ushort)i, 9, 60 + i * 10)).ToList());
        using var reader = new PcapReaderPort("in", PcapFile.Load(_path), loop: true, 0, 1, _pool);
        var outPath = PortTestSupport.TempPath("pcap");
        try
        {
            using var writer = new PcapWriterPort("out", outPath, 65535, 1);
            // Enough batches that the writer's queue buffer fills and flushes to the file several times.
            Assert.That(BytesAllocatedForwarding(reader, writer, 3000), Is.Zero);
        }
        finally { File.Delete(outPath); }
    }
}
