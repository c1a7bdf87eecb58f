using Switchboard.Sdk.Runtime;

namespace Switchboard.Sdk;

/// <summary>
/// Group-by (thesis 3.1.1): split packets into N branches by a UDF. Each branch has its own queue;
/// a queue is handed on as soon as it fills, and the scheduler flushes partial queues when it visits
/// this node, so sparse branches still get full batches without waiting long.
/// </summary>
internal sealed unsafe class GroupByNode<T> : Node, ISchedulable where T : IGroupBy
{
    private T _udf;
    private readonly PacketBatch[] _queues;
    internal readonly Node?[] Branches;
    private readonly long[] _perGroup;
    private int[] _groupOf;

    public GroupByNode(T udf, int groups, int batchSize)
    {
        _udf = udf;
        _queues = new PacketBatch[groups];
        for (int g = 0; g < groups; g++) _queues[g] = new PacketBatch(batchSize);
        Branches = new Node?[groups];
        _perGroup = new long[groups];
        _groupOf = new int[batchSize];
    }

    /// <summary>Packets sent to each branch.</summary>
    public IReadOnlyList<long> PerGroup => _perGroup;

    internal override void Process(PacketBatch batch)
    {
        _in += batch.Count;
        var items = batch.Items;
        int n = batch.Count, groups = _queues.Length;
        // Pass 1 runs only the UDF (guarded); pass 2 moves packets, which may call downstream nodes.
        var groupOf = Scratch(ref _groupOf, n);
        for (int i = 0; i < n;)
        {
            try
            {
                RunUdf(items, groupOf, i, n);
                break;
            }
            catch (Exception e)
            {
                NoteFault(e);
                i = _resume;
                groupOf[i++] = -1;
            }
        }
        for (int i = 0; i < n; i++)
        {
            var d = items[i];
            int g = groupOf[i];
            if ((uint)g >= (uint)groups) { DropPacket(d); continue; }
            _perGroup[g]++;
            var q = _queues[g];
            q.Add(d);
            if (q.IsFull) Flush(g);
        }
        batch.Clear();
    }

    private int _resume; // index of the packet whose UDF is running (see FilterNode for why not a try around the loop)

    private void RunUdf(PacketDesc*[] items, int[] groupOf, int i, int n)
    {
        for (; i < n; i++)
        {
            _resume = i;
            groupOf[i] = _udf.Group(new Packet(items[i]));
        }
    }

    private void Flush(int g)
    {
        var q = _queues[g];
        if (Branches[g] is { } next) next.Process(q);
        else { _dropped += q.Count; Core.DropAll(q); }
    }

    int ISchedulable.Poll(long nowTicks)
    {
        int moved = 0;
        for (int g = 0; g < _queues.Length; g++)
        {
            int n = _queues[g].Count;
            if (n == 0) continue;
            moved += n;
            Flush(g);
        }
        return moved;
    }

    internal override IEnumerable<Node> Successors => Branches.Where(b => b is not null)!;
}

public sealed partial class Pipe
{
    /// <summary>Split into <paramref name="groups"/> branches by <paramref name="udf"/> (thesis 3.1.1 group-by).</summary>
    public Pipe[] GroupBy<T>(int groups, T udf) where T : IGroupBy
    {
        if (groups < 1 || groups > 4096) throw new ArgumentOutOfRangeException(nameof(groups), "Group-by needs 1..4096 groups.");
        var node = new GroupByNode<T>(udf, groups, Builder.Core.BatchSize);
        Connect(node, "group-by");
        Builder.Core.Schedulables.Add(node);
        var outs = new Pipe[groups];
        for (int g = 0; g < groups; g++)
        {
            int k = g;
            outs[g] = new Pipe(Builder, n => node.Branches[k] = n, $"{node.Name}[{g}]");
        }
        return outs;
    }

    /// <summary>Group-by with a delegate (an indirect call per packet; prefer a struct UDF on hot paths).</summary>
    public Pipe[] GroupBy(int groups, PacketGrouper grouper) => GroupBy(groups, new DelegateGroupBy(grouper));

    /// <summary>Built-in grouping by 5-tuple flow: packets of one flow always take the same branch.
    /// Needs an IP header parsed; packets without one go to branch 0. The branch is taken from the
    /// hash's high bits, so it stays independent of <see cref="ShuffleByFlow"/>'s core choice (which
    /// uses the remainder): behind a shuffle every branch still gets flows.</summary>
    public Pipe[] GroupByFlow(int groups) => GroupBy(groups, new FlowGrouper((uint)groups));

    /// <summary>Built-in grouping by input port: branch <c>i</c> gets the packets that arrived on port
    /// <c>i</c>; packets from ports &gt;= <paramref name="ports"/> are dropped and counted.</summary>
    public Pipe[] GroupByInputPort(int ports) => GroupBy(ports, new InputPortGrouper());

    /// <summary>Built-in grouping by IP destination address (IPv4 or IPv6), e.g. to spread servers over
    /// branches: packets to one address always take the same branch. Needs an IP header parsed;
    /// packets without one go to branch 0.</summary>
    public Pipe[] GroupByDestination(int groups) => GroupBy(groups, new DestinationGrouper((uint)groups));

    /// <summary>Map a 32-bit hash onto 0..groups-1 by its high bits (multiply-shift), after a
    /// multiplicative remix so hashes that agree in their low bits still spread.</summary>
    private static int Spread(uint hash, uint groups) => (int)(((ulong)(hash * 0x9E3779B1u) * groups) >> 32);

    private readonly struct FlowGrouper(uint groups) : IGroupBy
    {
        public int Group(Packet packet)
        {
            uint h = FlowKey.HashOf(packet);
            return h == 0 ? 0 : Spread(h, groups);
        }
    }

    private readonly struct InputPortGrouper : IGroupBy
    {
        public int Group(Packet packet) => packet.InputPort;
    }

    private readonly struct DestinationGrouper(uint groups) : IGroupBy
    {
        public int Group(Packet packet)
        {
            uint h;
            if (packet.Has(HeaderKind.Ipv4)) h = packet.Ipv4.Destination * 0x85EBCA6Bu;
            else if (packet.Has(HeaderKind.Ipv6))
            {
                var a = packet.Ipv6.Destination;
                ulong x = (a.High ^ (a.Low * 0x9E3779B97F4A7C15UL)) * 0xBF58476D1CE4E5B9UL;
                h = (uint)(x >> 32);
            }
            else return 0;
            return Spread(h ^ (h >> 16), groups);
        }
    }
}
