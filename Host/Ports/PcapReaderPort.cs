using System.Diagnostics;
using System.Runtime.CompilerServices;
using Switchboard.Host.Config;
using Switchboard.Sdk;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Ports;

/// <summary>
/// "pcap-in": replays a pcap file loaded once into memory. Each record is assigned to a queue at load
/// time by its flow hash (<see cref="RssQueue"/>), so a flow stays on one core and every record is
/// emitted exactly once per pass across all queues. Replays once (then <see cref="Exhausted"/>) or loops.
/// Records larger than a pool buffer cannot be received; they are skipped at load and counted in
/// <see cref="SkippedOversize"/>.
/// </summary>
internal sealed unsafe class PcapReaderPort : ManagedPort
{
    private readonly PcapFile _file;
    private readonly NativePool _pool;
    private readonly ushort _portIndex;
    private readonly bool _loop;
    private readonly QueueState[] _states;
    private int _queuesDone;

    private sealed class QueueState(int[] records)
    {
        public readonly int[] Records = records;
        public int Next;
        public long Passes;
        public bool Done;
        // Keep two queues' cursors (written by different cores) off one cache line.
#pragma warning disable CS0169
        private long _p1, _p2, _p3, _p4, _p5, _p6;
#pragma warning restore CS0169
    }

    public PcapReaderPort(PcapInPortSpec spec, int portIndex, int queues, NativePool pool)
        : this(spec.Name, PcapFile.Load(spec.File), spec.Loop, portIndex, queues, pool) { }

    public PcapReaderPort(string name, PcapFile file, bool loop, int portIndex, int queues, NativePool pool) : base(name, queues)
    {
        _file = file;
        _pool = pool;
        _portIndex = checked((ushort)portIndex);
        _loop = loop;
        var perQueue = Enumerable.Range(0, queues).Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < file.Records.Length; i++)
        {
            if (file.Records[i].CapturedLength > pool.DataRoom) { SkippedOversize++; continue; }
            perQueue[RssQueue.Of(file.Frame(i), queues)].Add(i);
        }
        _states = perQueue.Select(l => new QueueState(l.ToArray())).ToArray();
        // An empty queue has nothing to give, in either mode.
        foreach (var s in _states)
            if (s.Records.Length == 0) { s.Done = true; _queuesDone++; }
    }

    public override string Kind => "pcap-in";
    public override bool CanReceive => true;
    public override bool CanSend => false;
    public override bool Exhausted => Volatile.Read(ref _queuesDone) == Queues;
    public PcapFile File => _file;
    public int SkippedOversize { get; }
    /// <summary>How many records queue <paramref name="queue"/> replays per pass.</summary>
    public int RecordsOn(int queue) => _states[queue].Records.Length;
    /// <summary>Completed passes over queue <paramref name="queue"/>'s records.</summary>
    public long PassesOn(int queue) => _states[queue].Passes;

    public override int Receive(int queue, PacketDesc** descs, int max)
    {
        var s = _states[queue];
        if (s.Done || max <= 0) return 0;
        var records = s.Records;
        int want = _loop ? max : Math.Min(max, records.Length - s.Next);
        int got = _pool.AllocBulk(descs, want);
        var c = Counters.PerQueue[queue];
        c.RxNoBuffer += want - got;
        long bytes = 0;
        var all = _file.Records;
        int headroom = _pool.Headroom;
        fixed (byte* file = _file.Bytes)
        {
            for (int i = 0; i < got; i++)
            {
                var r = all[records[s.Next]];
                var d = descs[i];
                d->ResetForReceive(headroom, r.CapturedLength, _portIndex);
                Unsafe.CopyBlockUnaligned(d->Data, file + r.Offset, (uint)r.CapturedLength);
                bytes += r.CapturedLength;
                if (++s.Next == records.Length) { s.Next = 0; s.Passes++; }
            }
        }
        c.RxPackets += got;
        c.RxBytes += bytes;
        if (!_loop && s.Passes > 0 && !s.Done)
        {
            s.Done = true;
            Interlocked.Increment(ref _queuesDone);
        }
        return got;
    }
}
