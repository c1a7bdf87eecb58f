// No-external-access state (thesis 3.1.1 (a)) as one object holding a partition per core: each core
// reaches only its own partition. How: the partition is chosen by the calling thread's CurrentCore id, and
// asking for another core's partition throws. Value-type partitions are spaced two cache lines apart so
// cores never false-share a line.
using System.Runtime.CompilerServices;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Sdk.State;

/// <summary>
/// One partition of <typeparamref name="T"/> per core; each core may touch only its own (NetBricks'
/// partitioned state with no external access). Useful when a single object must be shared through
/// <c>NfContext.Shared(key, factory)</c> but the data is per core, e.g. per-core counters.
/// </summary>
/// <remarks>For state used by a single replica, a plain field (e.g. a <see cref="PartitionedMap{TKey, TValue}"/>
/// created with <c>ctx.CoreId</c>) is simpler.</remarks>
public sealed class PartitionedState<T>
{
    private const int SpacingBytes = 128;
    private readonly T[] _slots;
    private readonly int _stride;

    /// <summary>Create <paramref name="coreCount"/> partitions; <paramref name="create"/> gets the core id.</summary>
    public PartitionedState(int coreCount, Func<int, T> create)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(coreCount);
        ArgumentNullException.ThrowIfNull(create);
        CoreCount = coreCount;
        // Reference slots are only read after construction (no write sharing); value slots are written in place.
        _stride = typeof(T).IsValueType ? Math.Max(1, (SpacingBytes + Unsafe.SizeOf<T>() - 1) / Unsafe.SizeOf<T>()) : 1;
        _slots = new T[coreCount * _stride];
        for (int i = 0; i < coreCount; i++) _slots[i * _stride] = create(i);
    }

    /// <summary>Number of partitions.</summary>
    public int CoreCount { get; }

    /// <summary>The calling core's partition (by reference, so value types can be updated in place).</summary>
    public ref T Local => ref Of(CurrentCore.Id);

    /// <summary>Partition <paramref name="coreId"/>; throws unless the caller is that core.</summary>
    public ref T Of(int coreId)
    {
        int caller = CurrentCore.Id;
        if (caller != coreId || (uint)coreId >= (uint)CoreCount) ThrowForeign(coreId, caller);
        return ref _slots[coreId * _stride];
    }

    private void ThrowForeign(int coreId, int caller)
    {
        if ((uint)coreId >= (uint)CoreCount)
            throw new InvalidOperationException(
                $"No partition for {CurrentCore.Describe(coreId)} (partitions exist for cores 0..{CoreCount - 1}); caller is {CurrentCore.Describe(caller)}.");
        PartitionOwnership.Throw(coreId, caller);
    }
}
