namespace Switchboard.Sdk;

internal sealed unsafe class FilterNode<T>(T udf) : Node where T : IFilter
{
    private T _udf = udf;
    private PacketDesc*[] _rejected = new PacketDesc*[PacketBatch.DefaultCapacity];

    // Where the guarded loop was when a UDF threw: (index << 16) | kept. Written once per packet and
    // never read in the loop, so the loop's counters stay in registers (a try region around the loop
    // itself would spill them to the stack on every iteration: ~2 ns per packet, measured).
    private int _resume;

    internal override void Process(PacketBatch batch)
    {
        _in += batch.Count;
        var items = batch.Items;
        int n = batch.Count;
        var rejected = Scratch(ref _rejected, n);
        int i = 0, kept = 0;
        while (true)
        {
            try
            {
                kept = Run(items, rejected, i, n, kept);
                break;
            }
            catch (Exception e)
            {
                NoteFault(e);
                i = _resume >> 16;
                kept = _resume & 0xFFFF;
                rejected[i - kept] = items[i];
                i++;
            }
        }
        batch.Count = kept;
        DropRejected(rejected, n - kept);
        Emit(batch);
    }

    /// <summary>Keep or reject packets <paramref name="i"/>..n-1; before packet i, i - kept packets are in <paramref name="rejected"/>.</summary>
    private int Run(PacketDesc*[] items, PacketDesc*[] rejected, int i, int n, int kept)
    {
        // Pointer walks: no bounds checks in the per-packet loop (n fits both arrays: the caller sized them).
        fixed (PacketDesc** it = items)
        fixed (PacketDesc** rej = rejected)
            for (; i < n; i++)
            {
                _resume = (i << 16) | kept;
                var d = it[i];
                if (_udf.Keep(new Packet(d))) it[kept++] = d;
                else rej[i - kept] = d;
            }
        return kept;
    }
}

public sealed partial class Pipe
{
    /// <summary>Keep packets for which <paramref name="udf"/> returns true; drop the rest (thesis 3.1.1 filter).</summary>
    public Pipe Filter<T>(T udf) where T : IFilter => Then(new FilterNode<T>(udf), "filter");

    /// <summary>Filter with a default-constructed struct UDF: <c>.Filter&lt;TtlAlive&gt;()</c>.</summary>
    public Pipe Filter<T>() where T : struct, IFilter => Filter(default(T));

    /// <summary>Filter with a delegate (an indirect call per packet; prefer a struct UDF on hot paths).</summary>
    public Pipe Filter(PacketPredicate predicate) => Filter(new DelegateFilter(predicate));
}
