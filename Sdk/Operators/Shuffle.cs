using Switchboard.Sdk.Runtime;

namespace Switchboard.Sdk;

/// <summary>The rings between the replicas of one shuffle node: <c>Rings[from, to]</c>.</summary>
internal sealed class ShuffleExchange
{
    public const int DefaultRingSize = 1024;
    public readonly SpscRing[,] Rings;

    public ShuffleExchange(int cores, int ringSize)
    {
        Rings = new SpscRing[cores, cores];
        for (int f = 0; f < cores; f++)
            for (int t = 0; t < cores; t++)
                if (f != t) Rings[f, t] = new SpscRing(ringSize);
    }
}

/// <summary>
/// Shuffle (thesis 3.1.1): send each packet to the core its key selects; the rest of the graph runs
/// there, in that core's replica. Packets for this core go straight on; others cross a lock-free
/// ring and are picked up when the target core's scheduler visits its replica of this node.
/// A full ring drops the packet (counted), as a NIC queue would.
/// </summary>
internal sealed unsafe class ShuffleNode<T> : Node, ISchedulable where T : IShuffle
{
    private T _udf;
    private readonly ShuffleExchange _exchange;
    internal ShuffleExchange Exchange => _exchange;
    private readonly PacketBatch _inbox;
    private readonly nint[] _scratch;
    private int[] _targetOf;
    /// <summary>Packets sent to other cores, taken from other cores, and dropped because a ring was full.</summary>
    public long SentAway, Received, RingFull;

    public ShuffleNode(T udf, ShuffleExchange exchange, int batchSize)
    {
        _udf = udf;
        _exchange = exchange;
        _inbox = new PacketBatch(batchSize);
        _scratch = new nint[batchSize];
        _targetOf = new int[batchSize];
    }

    internal override void Process(PacketBatch batch)
    {
        _in += batch.Count;
        int self = Core.CoreId, cores = Core.CoreCount;
        var items = batch.Items;
        int n = batch.Count;
        // Pass 1 runs only the UDF (guarded); a packet whose key throws is dropped (target -1).
        var targetOf = Scratch(ref _targetOf, n);
        for (int i = 0; i < n;)
        {
            try
            {
                RunUdf(items, targetOf, i, n, (uint)cores);
                break;
            }
            catch (Exception e)
            {
                NoteFault(e);
                i = _resume;
                targetOf[i++] = -1;
            }
        }
        int kept = 0;
        for (int i = 0; i < n; i++)
        {
            var d = items[i];
            int target = targetOf[i];
            if (target == self) items[kept++] = d;
            else if (target < 0) DropPacket(d);
            else if (_exchange.Rings[self, target].TryEnqueue((nint)d)) SentAway++;
            else { RingFull++; DropPacket(d); }
        }
        batch.Count = kept;
        Emit(batch);
    }

    private int _resume; // index of the packet whose UDF is running (see FilterNode for why not a try around the loop)

    private void RunUdf(PacketDesc*[] items, int[] targetOf, int i, int n, uint cores)
    {
        for (; i < n; i++)
        {
            _resume = i;
            targetOf[i] = cores == 1 ? 0 : (int)(_udf.Key(new Packet(items[i])) % cores);
        }
    }

    int ISchedulable.Poll(long nowTicks)
    {
        int self = Core.CoreId, total = 0;
        for (int from = 0; from < Core.CoreCount; from++)
        {
            if (from == self) continue;
            var ring = _exchange.Rings[from, self];
            // At most one ring's worth per visit, so a fast sender cannot keep this core in one poll.
            int n;
            for (int budget = ring.Capacity; budget > 0 && (n = ring.DequeueBulk(_scratch)) > 0; budget -= n)
            {
                for (int i = 0; i < n; i++) _inbox.Add((PacketDesc*)_scratch[i]);
                Received += n;
                total += n;
                Emit(_inbox);
                _inbox.Clear();
            }
        }
        return total;
    }
}

public sealed partial class Pipe
{
    /// <summary>Move each packet to the core chosen by <paramref name="udf"/> (thesis 3.1.1 shuffle).</summary>
    public Pipe Shuffle<T>(T udf) where T : IShuffle
    {
        EnsureOpen(); // before taking a shared key, so a failed call does not shift the replicas' keys
        var core = Builder.Core;
        var exchange = core.Shared.GetOrAdd(Builder.NextSharedKey("shuffle"), () => new ShuffleExchange(core.CoreCount, ShuffleExchange.DefaultRingSize));
        var node = new ShuffleNode<T>(udf, exchange, core.BatchSize);
        var output = Then(node, "shuffle");
        core.Schedulables.Add(node);
        return output;
    }

    /// <summary>Shuffle by 5-tuple flow, so each flow is handled on one core (needs an IP header parsed).</summary>
    public Pipe ShuffleByFlow() => Shuffle(new FlowShuffle());

    internal readonly struct FlowShuffle : IShuffle
    {
        public uint Key(Packet packet) => FlowKey.HashOf(packet);
    }
}
