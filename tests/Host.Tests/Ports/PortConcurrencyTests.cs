using Switchboard.Host.Config;
using Switchboard.Host.Ports;
using Switchboard.Sdk;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Tests.Ports;

/// <summary>One core per queue, all at once: no packet lost or duplicated, no buffer leaked.</summary>
public sealed unsafe class PortConcurrencyTests
{
    private const int Cores = 4;
    private NativePool _pool = null!;
    private readonly List<string> _files = [];

    [OneTimeSetUp] public void CreatePool() => _pool = new NativePool("concurrency-tests", 8192, maxWorkers: Cores);
    [OneTimeTearDown] public void DisposePool() => _pool.Dispose();

    [TearDown]
    public void CheckNoLeak()
    {
        foreach (var f in _files) File.Delete(f);
        _pool.DrainCaches();
        Assert.That(_pool.InUse, Is.Zero, "every buffer returned to the pool");
    }

    private string NewFile()
    {
        var path = PortTestSupport.TempPath("pcap");
        _files.Add(path);
        return path;
    }

    /// <summary>Each worker thread owns queue q of both ports and forwards until the source is done.</summary>
    private static void ForwardOnAllQueues(IPort source, IPort sink)
    {
        var threads = Enumerable.Range(0, Cores).Select(q => new Thread(() =>
        {
            NativePool.SetWorkerIndex(q);
            var descs = stackalloc PacketDesc*[32];
            int n;
            while ((n = source.Receive(q, descs, 32)) > 0) sink.Send(q, descs, n);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
    }

    [Test]
    public void GeneratorToPcapOnFourCoresWritesExactlyTheCount()
    {
        var path = NewFile();
        using var gen = new GeneratorPort(new GeneratorPortSpec("g", "$.g") { Flows = 300, Count = 20_000, MaxSize = 300 }, 0, Cores, _pool);
        using (var writer = new PcapWriterPort("out", path, 65535, Cores)) ForwardOnAllQueues(gen, writer);

        var file = PcapFile.Load(path);
        Assert.That(gen.Exhausted, Is.True);
        Assert.That(file.Records.Length, Is.EqualTo(20_000));
        var flows = Enumerable.Range(0, file.Records.Length).Select(i => PortTestSupport.KeyOf(file.Frame(i).ToArray())!.Value).Distinct().Count();
        Assert.That(flows, Is.EqualTo(300));
    }

    [Test]
    public void PcapReplayOnFourCoresDeliversEveryRecordOnce()
    {
        var src = NewFile();
        var frames = Enumerable.Range(0, 3000)
            .Select(i => PortTestSupport.Udp(0x0A000000u + (uint)(i % 97), 0x0A010101, (ushort)(2000 + i % 13), 53, 60 + i % 900, fill: (byte)i))
            .Select((f, i) => { f[^1] = (byte)i; f[^2] = (byte)(i >> 8); return f; })
            .ToList();
        using (var w = new PcapWriterPort("seed", src, 65535, 1)) PortTestSupport.Send(w, _pool, 0, frames);

        var dst = NewFile();
        using var reader = new PcapReaderPort("in", PcapFile.Load(src), loop: false, 0, Cores, _pool);
        using (var writer = new PcapWriterPort("out", dst, 65535, Cores)) ForwardOnAllQueues(reader, writer);

        var file = PcapFile.Load(dst);
        var back = Enumerable.Range(0, file.Records.Length).Select(i => file.Frame(i).ToArray());
        Assert.That(PortTestSupport.SortedHex(back), Is.EqualTo(PortTestSupport.SortedHex(frames)));
        Assert.That(reader.Exhausted, Is.True);
    }
}
