using Switchboard.Sdk.Runtime;

namespace Switchboard.Sdk.Tests.Support;

/// <summary>
/// One core's graph under test: an input pipe that test frames enter, and <see cref="Capture"/> sinks
/// that record what leaves (bytes and parse state) and free the buffers, so leaks show up as a
/// non-zero <see cref="InUseDelta"/>.
/// </summary>
internal sealed unsafe class GraphHarness
{
    private readonly Node?[] _entry = new Node?[1];
    private readonly int _startInUse;

    private readonly Func<long>? _clock;

    /// <param name="clock">A fake clock (Stopwatch ticks) for events; <see cref="Poll"/> defaults to it too.</param>
    public GraphHarness(int coreId = 0, int coreCount = 1, SharedRegistry? shared = null, int batchSize = 32, Func<long>? clock = null)
    {
        _clock = clock;
        Core = new CoreContext(coreId, coreCount, shared ?? new SharedRegistry(), TestPool.Pool, batchSize);
        Builder = new GraphBuilder(Core);
        Events = new EventScheduler(Log.Add, clock);
        Core.Schedulables.Add(Events);
        Input = Builder.Source(n => _entry[0] = n, "test-input");
        _startInUse = TestPool.Pool.InUse;
    }

    public CoreContext Core { get; }
    public GraphBuilder Builder { get; }
    public EventScheduler Events { get; }
    public Pipe Input { get; }
    /// <summary>Lines the event scheduler logged.</summary>
    public List<string> Log { get; } = [];

    /// <summary>The node the input pipe feeds (with fusion: the fused node running the first operators).</summary>
    public Node Entry => _entry[0] ?? throw new InvalidOperationException("the input pipe is not connected");

    /// <summary>Every node of the graph of type <typeparamref name="T"/>, in build order.</summary>
    public T[] Nodes<T>() => Builder.Nodes.OfType<T>().ToArray();

    public NfContext NfContext(string name = "nf", NfConfig? config = null) =>
        new(name, config ?? NfConfig.Empty("$.nfs." + name + ".config"), Core, Events, null);

    /// <summary>Attach a recording sink to <paramref name="pipe"/>.</summary>
    public Capture Capture(Pipe pipe)
    {
        var c = new Capture();
        pipe.Connect(c, "capture");
        return c;
    }

    /// <summary>Push frames through the graph as one or more batches.</summary>
    public void Push(params byte[][] frames) => PushOnPort(0, frames);

    /// <summary>Push frames as if received on input port <paramref name="port"/>.</summary>
    public void PushOnPort(ushort port, params byte[][] frames) => Push(port, segments: 1, frames);

    /// <summary>Push frames whose descriptors say they are the first of two segments (as a DPDK driver chains a frame
    /// larger than an mbuf; the second segment does not exist here, so nothing may read past the first).</summary>
    public void PushChained(params byte[][] frames) => Push(0, segments: 2, frames);

    private void Push(ushort port, ushort segments, byte[][] frames)
    {
        var batch = new PacketBatch(Core.BatchSize);
        foreach (var f in frames)
        {
            var d = TestPool.Make(f, port);
            d->Segments = segments;
            batch.Add(d);
            if (batch.IsFull) Send(batch);
        }
        Send(batch);
    }

    private void Send(PacketBatch batch)
    {
        if (batch.Count == 0) return;
        var entry = _entry[0] ?? throw new InvalidOperationException("the input pipe is not connected");
        entry.Process(batch);
        Assert.That(batch.Count, Is.Zero, "a node returned without consuming its batch");
    }

    /// <summary>Visit every schedulable node once (group-by queues, shuffle inboxes, events).</summary>
    public int Poll(long? now = null)
    {
        int moved = 0;
        long t = now ?? _clock?.Invoke() ?? CoreContext.Now;
        foreach (var s in Core.Schedulables) moved += s.Poll(t);
        Core.FlushDrops();
        return moved;
    }

    /// <summary>Bytes this thread allocated pushing a set of <paramref name="measured"/> frames (then <paramref name="warm"/>
    /// again) through the graph in batches of 32, after five warm-up rounds of <paramref name="warm"/>: 0 on an
    /// allocation-free path. Each set is measured in a window of its own and the least is returned: an allocation on the
    /// packet path shows in every window (give each set new flows, so every window creates some), while the runtime now
    /// and then allocates a little on this thread by itself, which one window can catch (seen once in CI: 128 bytes in
    /// the NAT test, in one run of many).</summary>
    public long AllocatedWhileRunning(byte[][] warm, params byte[][][] measured)
    {
        var entry = Entry;
        var batch = new PacketBatch(32);
        void Run(byte[][] frames)
        {
            for (int i = 0; i < frames.Length;)
            {
                while (i < frames.Length && !batch.IsFull) batch.Add(TestPool.Make(frames[i++]));
                entry.Process(batch);
                Core.FlushDrops();
            }
        }
        if (measured.Length == 0) throw new ArgumentException("at least one measured set", nameof(measured));
        for (int i = 0; i < 5; i++) Run(warm);
        long least = long.MaxValue;
        foreach (var set in measured)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Run(set);
            Run(warm);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            if (least == 0) break;
        }
        return least;
    }

    /// <summary>Buffers still held since the harness started (0 when nothing leaked).</summary>
    public int InUseDelta
    {
        get { Core.FlushDrops(); return TestPool.Pool.InUse - _startInUse; }
    }
}

/// <summary>A sink that records each packet leaving the graph.</summary>
internal sealed unsafe class Capture : Node
{
    public readonly List<Captured> Packets = [];
    /// <summary>The size of each batch that arrived.</summary>
    public readonly List<int> Batches = [];

    internal override void Process(PacketBatch batch)
    {
        _in += batch.Count;
        Batches.Add(batch.Count);
        for (int i = 0; i < batch.Count; i++)
        {
            var d = batch.Items[i];
            var p = new Packet(d);
            Packets.Add(new Captured(p.Data.ToArray(), p.TopHeader, p.HeaderDepth, p.Payload.ToArray(), p.FlowHash, Core.CoreId,
                p.InputPort, p.IpProtocol));
        }
        Core.FreeAll(batch);
        Core.FlushDrops();
    }
}

internal sealed record Captured(byte[] Bytes, HeaderKind Top, int Depth, byte[] Payload, uint FlowHash, int Core,
    int InputPort = 0, byte IpProtocol = 0);
