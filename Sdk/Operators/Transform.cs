namespace Switchboard.Sdk;

/// <summary>A transform is a filter that keeps every packet: one loop (with its fault handling) serves
/// both, and the JIT folds the constant <c>true</c> away.</summary>
internal struct TransformAsFilter<T>(T udf) : IFilter where T : ITransform
{
    private T _udf = udf; // not readonly: a mutable struct UDF must be called in place, not on a copy

    public bool Keep(Packet packet)
    {
        _udf.Transform(packet);
        return true;
    }
}

public sealed partial class Pipe
{
    /// <summary>Run <paramref name="udf"/> on every packet (thesis 3.1.1 transform). Specialised per struct type.</summary>
    public Pipe Transform<T>(T udf) where T : ITransform
    {
        var node = new FilterNode<TransformAsFilter<T>>();
        return Fuse(new FilterStage<TransformAsFilter<T>>(new(udf), node), node, "transform");
    }

    /// <summary>Transform with a default-constructed struct UDF: <c>.Transform&lt;DecrementTtl&gt;()</c>.</summary>
    public Pipe Transform<T>() where T : struct, ITransform => Transform(default(T));

    /// <summary>Transform with a delegate (an indirect call per packet; prefer a struct UDF on hot paths).</summary>
    public Pipe Transform(PacketAction action) => Transform(new DelegateTransform(action));
}
