using System.Runtime.CompilerServices;

namespace Switchboard.Sdk;

/// <summary>Transform over a UDF of type <typeparamref name="T"/>. Runs as a <see cref="TransformStage{T}"/>.</summary>
internal sealed class TransformNode<T> : StageNode where T : ITransform;

/// <summary>A transform keeps every packet, so its stage has a single outcome: once inlined, the fused loop carries no
/// keep-or-drop test after it.</summary>
internal unsafe struct TransformStage<T>(T udf, TransformNode<T> node) : IStage where T : ITransform
{
    private T _udf = udf; // not readonly: a mutable struct UDF must be called in place, not on a copy
    private int _faulted; // the only packets a transform drops: those its UDF threw on

    public static int Count => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Run(PacketDesc* d, ref int mark, int at)
    {
        mark = at;
        _udf.Transform(new Packet(d));
        return Outcome.Keep;
    }

    public bool RunFrom(PacketDesc* d, ref int mark, int at, int from) => Run(d, ref mark, at) == Outcome.Keep;

    public void Settle(ref int remaining)
    {
        node.Credit(remaining, _faulted);
        remaining -= _faulted;
        _faulted = 0;
    }

    public Node? Fault(int mark, int at)
    {
        if (mark != at) return null;
        _faulted++;
        return node;
    }
}

public sealed partial class Pipe
{
    /// <summary>Run <paramref name="udf"/> on every packet (thesis 3.1.1 transform). Specialised per struct type.</summary>
    public Pipe Transform<T>(T udf) where T : ITransform
    {
        var node = new TransformNode<T>();
        return Fuse(new TransformStage<T>(udf, node), node, "transform");
    }

    /// <summary>Transform with a default-constructed struct UDF: <c>.Transform&lt;DecrementTtl&gt;()</c>.</summary>
    public Pipe Transform<T>() where T : struct, ITransform => Transform(default(T));

    /// <summary>Transform with a delegate (an indirect call per packet; prefer a struct UDF on hot paths).</summary>
    public Pipe Transform(PacketAction action) => Transform(new DelegateTransform(action));
}
