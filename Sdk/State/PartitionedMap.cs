// No-external-access state (thesis 3.1.1 (a)) as a map: the map belongs to one core and only that core's
// thread may touch it, so it needs no synchronisation at all. How: each access compares the thread's
// CurrentCore id (one thread-static load) with the owner fixed at construction and throws on a mismatch,
// turning an accidental cross-core access (a data race) into an immediate, named error.
using System.Runtime.InteropServices;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Sdk.State;

/// <summary>
/// A key-value map owned by one core (NetBricks' partitioned state with no external access, e.g. a
/// per-core flow cache). Unsynchronised and as fast as a plain dictionary; any access from another thread
/// throws <see cref="InvalidOperationException"/> naming both cores.
/// </summary>
/// <remarks>Keep one in a plain field of the NF replica built for a core:
/// <c>_flows = new PartitionedMap&lt;FlowKey, int&gt;(ctx.CoreId)</c>. Scheduled events registered with
/// <c>NfContext.Every</c> run on the same core, so they may sweep it too. Fill it lazily from the pipeline
/// (setup code that runs on a non-worker thread is not the owner).</remarks>
public sealed class PartitionedMap<TKey, TValue> where TKey : notnull
{
    private readonly Dictionary<TKey, TValue> _map;

    /// <summary>Create an empty map owned by core <paramref name="ownerCore"/>.</summary>
    public PartitionedMap(int ownerCore, IEqualityComparer<TKey>? comparer = null, int capacity = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ownerCore);
        Owner = ownerCore;
        _map = new Dictionary<TKey, TValue>(capacity, comparer);
    }

    /// <summary>The only core allowed to touch this map.</summary>
    public int Owner { get; }

    /// <summary>Number of entries.</summary>
    public int Count { get { CheckOwner(); return _map.Count; } }

    /// <summary>Look up a key.</summary>
    public bool TryGetValue(TKey key, out TValue value)
    {
        CheckOwner();
        return _map.TryGetValue(key, out value!);
    }

    /// <summary>Add or overwrite an entry.</summary>
    public void Set(TKey key, TValue value)
    {
        CheckOwner();
        _map[key] = value;
    }

    /// <summary>Remove an entry; false when absent.</summary>
    public bool Remove(TKey key)
    {
        CheckOwner();
        return _map.Remove(key);
    }

    /// <summary>Return the existing value or add <paramref name="create"/>'s result (Maglev's
    /// <c>entry(..).or_insert_with(..)</c>). Pass a static lambda and <paramref name="state"/> to avoid allocating.</summary>
    public TValue GetOrAdd<TState>(TKey key, TState state, Func<TKey, TState, TValue> create)
    {
        CheckOwner();
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_map, key, out bool exists);
        if (!exists) slot = create(key, state);
        return slot!;
    }

    /// <summary>A reference to the value of <paramref name="key"/>, added as <c>default</c> when absent, for
    /// in-place updates (e.g. counters). Valid until the map is next changed.</summary>
    public ref TValue? GetValueRefOrAddDefault(TKey key, out bool exists)
    {
        CheckOwner();
        return ref CollectionsMarshal.GetValueRefOrAddDefault(_map, key, out exists);
    }

    /// <summary>Remove every entry.</summary>
    public void Clear()
    {
        CheckOwner();
        _map.Clear();
    }

    /// <summary>Enumerate the entries (allocation-free struct enumerator). Removing the current entry while
    /// enumerating is allowed, as for <see cref="Dictionary{TKey, TValue}"/>.</summary>
    public Dictionary<TKey, TValue>.Enumerator GetEnumerator()
    {
        CheckOwner();
        return _map.GetEnumerator();
    }

    private void CheckOwner()
    {
        int caller = CurrentCore.Id;
        if (caller != Owner) PartitionOwnership.Throw(Owner, caller);
    }
}

internal static class PartitionOwnership
{
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void Throw(int owner, int caller) =>
        throw new InvalidOperationException(
            $"Partitioned state owned by core {owner} was accessed from {CurrentCore.Describe(caller)}; " +
            "only the owning core may touch it (use bounded- or strict-consistency state to share).");
}
