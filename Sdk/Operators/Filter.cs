using System.Runtime.CompilerServices;

namespace Switchboard.Sdk;

/// <summary>Filter over a UDF of type <typeparamref name="T"/>. Runs as a <see cref="FilterStage{T}"/>.</summary>
internal sealed class FilterNode<T> : StageNode where T : IFilter;

internal unsafe struct FilterStage<T>(T udf, FilterNode<T> node) : IStage where T : IFilter
{
    private T _udf = udf; // not readonly: a mutable struct UDF must be called in place, not on a copy
    private int _dropped;

    public static int Count => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Run(PacketDesc* d, ref int mark, int at)
    {
        mark = at;
        if (_udf.Keep(new Packet(d))) return Outcome.Keep;
        _dropped++;
        return Outcome.Drop;
    }

    public bool RunFrom(PacketDesc* d, ref int mark, int at, int from) => Run(d, ref mark, at) == Outcome.Keep;

    public void Settle(ref int remaining)
    {
        node.Credit(remaining, _dropped);
        remaining -= _dropped;
        _dropped = 0;
    }

    public Node? Fault(int mark, int at)
    {
        if (mark != at) return null;
        _dropped++;
        return node;
    }
}

public sealed partial class Pipe
{
    /// <summary>Keep packets for which <paramref name="udf"/> returns true; drop the rest (thesis 3.1.1 filter).</summary>
    public Pipe Filter<T>(T udf) where T : IFilter
    {
        var node = new FilterNode<T>();
        return Fuse(new FilterStage<T>(udf, node), node, "filter");
    }

    /// <summary>Filter with a default-constructed struct UDF: <c>.Filter&lt;TtlAlive&gt;()</c>.</summary>
    public Pipe Filter<T>() where T : struct, IFilter => Filter(default(T));

    /// <summary>Filter with a delegate (an indirect call per packet; prefer a struct UDF on hot paths).</summary>
    public Pipe Filter(PacketPredicate predicate) => Filter(new DelegateFilter(predicate));
}
