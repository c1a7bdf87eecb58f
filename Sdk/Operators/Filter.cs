namespace Switchboard.Sdk;

internal sealed unsafe class FilterNode<T>(T udf) : Node where T : IFilter
{
    private T _udf = udf;
    private PacketDesc*[] _rejected = new PacketDesc*[PacketBatch.DefaultCapacity];

    internal override void Process(PacketBatch batch)
    {
        _in += batch.Count;
        var items = batch.Items;
        var rejected = Scratch(ref _rejected, batch.Count);
        int n = batch.Count, kept = 0, dropped = 0, i = 0;
        while (i < n)
        {
            try
            {
                for (; i < n; i++)
                {
                    var d = items[i];
                    if (_udf.Keep(new Packet(d))) items[kept++] = d;
                    else rejected[dropped++] = d;
                }
            }
            catch (Exception e)
            {
                NoteFault(e);
                rejected[dropped++] = items[i++];
            }
        }
        batch.Count = kept;
        DropRejected(rejected, dropped);
        Emit(batch);
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
