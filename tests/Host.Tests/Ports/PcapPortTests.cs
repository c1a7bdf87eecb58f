using System.Diagnostics;
using Switchboard.Host.Ports;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Tests.Ports;

/// <summary>pcap-out then pcap-in: byte-identical round trips, snap length, RSS-style queue split, loop mode,
/// and files that tcpdump reads.</summary>
public sealed class PcapPortTests
{
    private NativePool _pool = null!;
    private readonly List<string> _files = [];

    [OneTimeSetUp] public void CreatePool() => _pool = new NativePool("pcap-port-tests", 4096, maxWorkers: 1);
    [OneTimeTearDown] public void DisposePool() => _pool.Dispose();

    [TearDown]
    public void CheckNoLeak()
    {
        foreach (var f in _files) File.Delete(f);
        _files.Clear();
        Assert.That(_pool.InUse, Is.Zero, "every buffer returned to the pool");
    }

    private string NewFile()
    {
        var path = PortTestSupport.TempPath("pcap");
        _files.Add(path);
        return path;
    }

    /// <summary>Distinct frames of varied sizes over <paramref name="flows"/> UDP/TCP flows, plus a few non-IP frames.</summary>
    private static List<byte[]> VariedFrames(int count, int flows, int seed = 7)
    {
        var rng = new Random(seed);
        var frames = new List<byte[]>();
        for (int i = 0; i < count; i++)
        {
            if (i % 17 == 5) { frames.Add(PortTestSupport.Arp((byte)i)); continue; }
            int flow = i % flows;
            int size = rng.Next(60, 1515);
            var f = flow % 2 == 0
                ? PortTestSupport.Udp(0x0A000000u + (uint)flow, 0xC0A80001, (ushort)(1000 + flow), 53, size, fill: (byte)i)
                : PortTestSupport.Tcp(0x0A000000u + (uint)flow, 0xC0A80001, (ushort)(1000 + flow), 80, size);
            f[^1] = (byte)i; f[^2] = (byte)(i >> 8); // make every frame distinct
            frames.Add(f);
        }
        return frames;
    }

    private string WritePcap(IReadOnlyList<byte[]> frames, int snap = 65535)
    {
        var path = NewFile();
        using var writer = new PcapWriterPort("out", path, snap, queues: 1);
        Assert.That(PortTestSupport.Send(writer, _pool, 0, frames), Is.EqualTo(frames.Count));
        return path;
    }

    [Test]
    public void RoundTripIsByteIdenticalAndInOrder()
    {
        var frames = VariedFrames(300, flows: 40);
        var path = NewFile();
        var before = DateTime.UtcNow;
        using (var writer = new PcapWriterPort("out", path, 65535, queues: 1))
        {
            PortTestSupport.Send(writer, _pool, 0, frames);
            Assert.That(writer.Counters.TxPackets, Is.EqualTo(frames.Count));
            Assert.That(writer.Counters.TxBytes, Is.EqualTo(frames.Sum(f => (long)f.Length)));
        }
        var after = DateTime.UtcNow;

        using var reader = new PcapReaderPort("in", PcapFile.Load(path), loop: false, portIndex: 2, queues: 1, _pool);
        var back = PortTestSupport.Drain(reader, 0, expectedPort: 2);

        Assert.That(PortTestSupport.Hex(back), Is.EqualTo(PortTestSupport.Hex(frames)));
        Assert.That(reader.Exhausted, Is.True);
        Assert.That(PortTestSupport.Drain(reader, 0), Is.Empty, "a replay-once port gives nothing after its pass");
        Assert.That(reader.Counters.RxPackets, Is.EqualTo(frames.Count));
        Assert.That(reader.Counters.RxBytes, Is.EqualTo(frames.Sum(f => (long)f.Length)));
        var file = reader.File;
        Assert.That(file.BigEndian, Is.False);
        Assert.That(file.Nanosecond, Is.False);
        long lo = (before.Ticks - DateTime.UnixEpoch.Ticks) / 10 / 1_000_000 * 1_000_000_000, hi = (after.Ticks - DateTime.UnixEpoch.Ticks) * 100;
        Assert.That(file.Records[0].TimestampNanos, Is.InRange(lo, hi), "wall-clock timestamps");
    }

    [Test]
    public void WriterHonoursSnapLength()
    {
        var frames = new List<byte[]> { PortTestSupport.Udp(1, 2, 3, 4, 60), PortTestSupport.Udp(1, 2, 3, 4, 400) };
        var file = PcapFile.Load(WritePcap(frames, snap: 128));

        Assert.That(file.SnapLength, Is.EqualTo(128));
        Assert.That(file.Frame(0).ToArray(), Is.EqualTo(frames[0]));
        Assert.That(file.Records[1].CapturedLength, Is.EqualTo(128));
        Assert.That(file.Records[1].OriginalLength, Is.EqualTo(400));
        Assert.That(file.Frame(1).ToArray(), Is.EqualTo(frames[1][..128]));
    }

    [Test]
    public void WriterCollectsEveryQueueIntoOneFile()
    {
        var frames = VariedFrames(400, flows: 30);
        var path = NewFile();
        using (var writer = new PcapWriterPort("out", path, 65535, queues: 3))
        {
            // Interleave small batches from three queues, as three cores would.
            for (int start = 0, q = 0; start < frames.Count; start += 10, q = (q + 1) % 3)
                PortTestSupport.Send(writer, _pool, q, frames.Skip(start).Take(10).ToList());
            Assert.That(writer.Counters.PerQueue.Select(c => c.TxPackets), Has.All.GreaterThan(0));
        }

        var file = PcapFile.Load(path);
        var back = Enumerable.Range(0, file.Records.Length).Select(i => file.Frame(i).ToArray());
        Assert.That(PortTestSupport.SortedHex(back), Is.EqualTo(PortTestSupport.SortedHex(frames)));
    }

    [Test]
    public void MultiQueueReplayEmitsEachPacketOnceAndKeepsFlowsOnOneQueue()
    {
        const int queues = 4;
        var frames = VariedFrames(500, flows: 64);
        using var reader = new PcapReaderPort("in", PcapFile.Load(WritePcap(frames)), loop: false, portIndex: 0, queues, _pool);

        var perQueue = Enumerable.Range(0, queues).Select(q => PortTestSupport.Drain(reader, q)).ToArray();

        Assert.That(PortTestSupport.SortedHex(perQueue.SelectMany(f => f)), Is.EqualTo(PortTestSupport.SortedHex(frames)),
            "every packet exactly once across queues");
        Assert.That(reader.Exhausted, Is.True);
        Assert.That(perQueue.Count(f => f.Count > 0), Is.GreaterThan(1), "flows spread over several queues");
        var queueOfFlow = new Dictionary<Sdk.FlowKey, int>();
        for (int q = 0; q < queues; q++)
            foreach (var f in perQueue[q])
            {
                var key = PortTestSupport.KeyOf(f);
                if (key is null) { Assert.That(q, Is.Zero, "non-IP frames go to queue 0"); continue; }
                Assert.That(q, Is.EqualTo((int)(key.Value.Hash() % queues)), "queue = flow hash mod queues");
                Assert.That(queueOfFlow.TryAdd(key.Value, q) || queueOfFlow[key.Value] == q, Is.True, $"flow {key} stays on one queue");
            }
        // Within a queue the file order is kept.
        foreach (var q in perQueue)
        {
            var idx = q.Select(f => frames.FindIndex(x => x.AsSpan().SequenceEqual(f))).ToList();
            Assert.That(idx, Is.Ordered);
        }
    }

    [Test]
    public void QueuesFinishIndependentlyAndExhaustedWaitsForAll()
    {
        var frames = VariedFrames(120, flows: 16);
        using var reader = new PcapReaderPort("in", PcapFile.Load(WritePcap(frames)), loop: false, portIndex: 0, queues: 2, _pool);
        Assert.That(reader.RecordsOn(0) > 0 && reader.RecordsOn(1) > 0, Is.True, "both queues own records");

        PortTestSupport.Drain(reader, 0);
        Assert.That(reader.Exhausted, Is.False, "queue 1 still has its share");
        PortTestSupport.Drain(reader, 1);
        Assert.That(reader.Exhausted, Is.True);
    }

    [Test]
    public void LoopModeReplaysForeverInOrder()
    {
        var frames = VariedFrames(7, flows: 3);
        using var reader = new PcapReaderPort("in", PcapFile.Load(WritePcap(frames)), loop: true, portIndex: 0, queues: 1, _pool);

        var got = PortTestSupport.Drain(reader, 0, limit: 7 * 5 + 3);

        Assert.That(PortTestSupport.Hex(got), Is.EqualTo(PortTestSupport.Hex(Enumerable.Range(0, got.Count).Select(i => frames[i % 7]))));
        Assert.That(got, Has.Count.EqualTo(38));
        Assert.That(reader.Exhausted, Is.False);
        Assert.That(reader.PassesOn(0), Is.EqualTo(5));
    }

    [Test]
    public void FactoryBuildsPcapPortsFromSpecs()
    {
        var path = NewFile();
        var frames = VariedFrames(20, flows: 4);
        using (var o = PortFactory.Create(new global::Switchboard.Host.Config.PcapOutPortSpec("cap", "$.ports.cap") { File = path, SnapLength = 2000 }, 1, 1, _pool))
        {
            Assert.That((o.Kind, o.Name, o.CanSend, o.CanReceive), Is.EqualTo(("pcap-out", "cap", true, false)));
            PortTestSupport.Send(o, _pool, 0, frames);
        }
        using var i = PortFactory.Create(new global::Switchboard.Host.Config.PcapInPortSpec("replay", "$.ports.replay") { File = path }, 1, 1, _pool);
        Assert.That((i.Kind, i.CanSend, i.CanReceive), Is.EqualTo(("pcap-in", false, true)));
        Assert.That(PortTestSupport.Hex(PortTestSupport.Drain(i, 0, expectedPort: 1)), Is.EqualTo(PortTestSupport.Hex(frames)));
    }

    [Test]
    public void TcpdumpReadsOurFile()
    {
        var frames = VariedFrames(37, flows: 5);
        var path = WritePcap(frames);
        var psi = new ProcessStartInfo("tcpdump", ["-r", path, "-nn"]) { RedirectStandardOutput = true, RedirectStandardError = true };

        // Deliberately no skip: tcpdump is a declared test dependency; if it is missing, this fails.
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();

        Assert.That(p.ExitCode, Is.Zero, stderr);
        var lines = stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(37), stderr);
        Assert.That(stderr, Does.Contain("EN10MB"));
    }
}
