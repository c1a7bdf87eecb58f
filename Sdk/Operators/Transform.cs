namespace Switchboard.Sdk;

internal sealed unsafe class TransformNode<T>(T udf) : Node where T : ITransform
{
    private T _udf = udf;
    private PacketDesc*[] _rejected = new PacketDesc*[PacketBatch.DefaultCapacity];

    internal override void Process(PacketBatch batch)
    {
        _in += batch.Count;
        var items = batch.Items;
        var rejected = Scratch(ref _rejected, batch.Count);
        int n = batch.Count, kept = 0, failed = 0, i = 0;
        while (i < n)
        {
            try
            {
                for (; i < n; i++)
                {
                    _udf.Transform(new Packet(items[i]));
                    items[kept++] = items[i];
                }
            }
            catch (Exception e)
            {
                NoteFault(e);
                rejected[failed++] = items[i++];
            }
        }
        batch.Count = kept;
        DropRejected(rejected, failed);
        Emit(batch);
    }
}

public sealed partial class Pipe
{
    /// <summary>Run <paramref name="udf"/> on every packet (thesis 3.1.1 transform). Specialised per struct type.</summary>
    public Pipe Transform<T>(T udf) where T : ITransform => Then(new TransformNode<T>(udf), "transform");

    /// <summary>Transform with a default-constructed struct UDF: <c>.Transform&lt;DecrementTtl&gt;()</c>.</summary>
    public Pipe Transform<T>() where T : struct, ITransform => Transform(default(T));

    /// <summary>Transform with a delegate (an indirect call per packet; prefer a struct UDF on hot paths).</summary>
    public Pipe Transform(PacketAction action) => Transform(new DelegateTransform(action));
}
