using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Switchboard.Host.Config;
using Switchboard.Sdk;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Ports;

/// <summary>
/// "generator": built-in traffic from <see cref="GeneratorFlows"/>. Each flow's frame is built once;
/// queue q owns the flows whose flow hash maps to q (as RSS would, and as <see cref="PcapReaderPort"/>
/// does), and receive round-robins over them with one copy per packet. An optional rate (token bucket
/// per queue on Stopwatch ticks) and packet count are split evenly over the queues that own flows.
/// </summary>
internal sealed unsafe class GeneratorPort : ManagedPort
{
    private readonly NativePool _pool;
    private readonly ushort _portIndex;
    private readonly GeneratedFlow[] _flows;
    private readonly QueueState[] _states;
    private readonly bool _limited, _rated;
    private int _queuesDone;

    private sealed class QueueState
    {
        public byte[] Templates = [];
        public byte* Base;
        public int[] Offsets = [], Lengths = [];
        public int[] FlowIndices = [];
        public int Next;
        public long Remaining;
        public double Tokens, TokensPerTick, Burst;
        public long LastTicks;
        public bool Done;
    }

    public GeneratorPort(GeneratorPortSpec spec, int portIndex, int queues, NativePool pool) : base(spec.Name, queues)
    {
        _pool = pool;
        _portIndex = checked((ushort)portIndex);
        _flows = GeneratorFlows.Build(spec);
        if (spec.MaxSize > pool.DataRoom)
            throw new ArgumentException($"{spec.Path}: maxSize {spec.MaxSize} does not fit the pool's {pool.DataRoom}-byte buffers.");
        _limited = spec.Count > 0;
        _rated = spec.RateMpps > 0;

        var perQueue = Enumerable.Range(0, queues).Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < _flows.Length; i++) perQueue[RssQueue.Of(_flows[i].Key, queues)].Add(i);
        int active = perQueue.Count(l => l.Count > 0);
        double ppsPerQueue = spec.RateMpps * 1e6 / active;

        _states = new QueueState[queues];
        int rank = 0;
        for (int q = 0; q < queues; q++)
        {
            var s = _states[q] = new QueueState { FlowIndices = perQueue[q].ToArray() };
            if (s.FlowIndices.Length == 0) { s.Done = true; _queuesDone++; continue; }
            BuildTemplates(s);
            if (_limited)
            {
                s.Remaining = spec.Count / active + (rank < spec.Count % active ? 1 : 0);
                if (s.Remaining == 0) { s.Done = true; _queuesDone++; }
            }
            if (_rated)
            {
                s.TokensPerTick = ppsPerQueue / Stopwatch.Frequency;
                // Allow about a millisecond of traffic (at least a batch) to accumulate while the core is busy elsewhere.
                s.Burst = Math.Max(32, ppsPerQueue / 1000);
            }
            rank++;
        }
    }

    private void BuildTemplates(QueueState s)
    {
        int total = s.FlowIndices.Sum(i => _flows[i].FrameSize + 64);
        // Pinned so receive can copy from a raw pointer; lives as long as the port.
        s.Templates = GC.AllocateArray<byte>(total, pinned: true);
        s.Base = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(s.Templates));
        s.Offsets = new int[s.FlowIndices.Length];
        s.Lengths = new int[s.FlowIndices.Length];
        int at = 0;
        for (int k = 0; k < s.FlowIndices.Length; k++)
        {
            int len = _flows[s.FlowIndices[k]].Build(s.Templates.AsSpan(at));
            s.Offsets[k] = at;
            s.Lengths[k] = len;
            at += len;
        }
    }

    public override string Kind => "generator";
    public override bool CanReceive => true;
    public override bool CanSend => false;
    public override bool Exhausted => _limited && Volatile.Read(ref _queuesDone) == Queues;
    public IReadOnlyList<GeneratedFlow> Flows => _flows;
    /// <summary>Indices into <see cref="Flows"/> of the flows queue <paramref name="queue"/> emits.</summary>
    public IReadOnlyList<int> FlowsOn(int queue) => _states[queue].FlowIndices;

    public override int Receive(int queue, PacketDesc** descs, int max)
    {
        var s = _states[queue];
        if (s.Done || max <= 0) return 0;
        int want = max;
        if (_limited) want = (int)Math.Min(want, s.Remaining);
        long now = Stopwatch.GetTimestamp();
        if (_rated)
        {
            if (s.LastTicks == 0) s.LastTicks = now;
            s.Tokens = Math.Min(s.Burst, s.Tokens + (now - s.LastTicks) * s.TokensPerTick);
            s.LastTicks = now;
            want = Math.Min(want, (int)s.Tokens);
            if (want <= 0) return 0;
        }
        int got = _pool.AllocBulk(descs, want);
        var c = Counters.PerQueue[queue];
        c.RxNoBuffer += want - got;
        int headroom = _pool.Headroom, next = s.Next, flows = s.Offsets.Length;
        long bytes = 0;
        for (int i = 0; i < got; i++)
        {
            int len = s.Lengths[next];
            var d = descs[i];
            d->ResetForReceive(headroom, len, _portIndex);
            Unsafe.CopyBlockUnaligned(d->Data, s.Base + s.Offsets[next], (uint)len);
            bytes += len;
            if (++next == flows) next = 0;
        }
        s.Next = next;
        c.RxPackets += got;
        c.RxBytes += bytes;
        if (_rated) s.Tokens -= got;
        if (_limited && (s.Remaining -= got) == 0)
        {
            s.Done = true;
            Interlocked.Increment(ref _queuesDone);
        }
        return got;
    }
}
