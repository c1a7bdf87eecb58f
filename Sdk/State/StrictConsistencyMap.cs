// Strict consistency (thesis 3.1.1 (c)): serialisable multi-reader, multi-writer access from any core.
// How: the keys are spread over lock stripes (a Dictionary plus a Lock each). A single-key operation
// holds its stripe's lock. A transaction declares its keys up front, takes all their stripes' locks in
// ascending stripe order, runs, then releases them: conservative two-phase locking, so every execution
// is equivalent to a serial one, and the single global lock order rules out deadlock.
// Why stripes and not one ReaderWriterLockSlim: a global lock serialises every writer on every core, and
// even its read side makes all cores write one shared counter line; stripes let operations on unrelated
// keys run in parallel and an uncontended Lock costs one interlocked operation.
using System.Runtime.CompilerServices;

namespace Switchboard.Sdk.State;

/// <summary>The body of a <see cref="StrictConsistencyMap{TKey, TValue}"/> transaction.</summary>
public delegate void StrictTransactionAction<TKey, TValue, TState>(StrictTransaction<TKey, TValue> tx, TState state) where TKey : notnull;

/// <summary>The body of a <see cref="StrictConsistencyMap{TKey, TValue}"/> transaction that returns a result.</summary>
public delegate TResult StrictTransactionFunc<TKey, TValue, TState, TResult>(StrictTransaction<TKey, TValue> tx, TState state) where TKey : notnull;

/// <summary>
/// A map any core may read and write with serialisable semantics (NetBricks' strict-consistency state),
/// including atomic multi-key transactions.
/// </summary>
/// <remarks>
/// <para>Share one instance across replicas with <c>NfContext.Shared(key, () =&gt; new StrictConsistencyMap&lt;K, V&gt;())</c>.
/// Each call takes locks, so prefer partitioned or bounded-consistency state on per-packet paths.</para>
/// <para>Inside a transaction body use only the <see cref="StrictTransaction{TKey, TValue}"/> it receives:
/// calling this map's own methods there could take stripe locks out of order and deadlock.</para>
/// <para>Transactions are isolated, not failure-atomic: if the body throws, the locks are released and
/// writes it already made stay.</para>
/// </remarks>
public sealed class StrictConsistencyMap<TKey, TValue> where TKey : notnull
{
    /// <summary>Upper limit on stripes (keeps a transaction's stripe set small enough for the stack).</summary>
    public const int MaxStripes = 4096;

    private readonly Dictionary<TKey, TValue>[] _stripes;
    private readonly Lock[] _locks;
    private readonly int _mask;
    private readonly IEqualityComparer<TKey> _comparer;

    /// <summary>Create an empty map.</summary>
    /// <param name="stripes">Number of lock stripes, rounded up to a power of two (1..<see cref="MaxStripes"/>).</param>
    /// <param name="comparer">Optional key comparer.</param>
    public StrictConsistencyMap(int stripes = 64, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stripes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stripes, MaxStripes);
        int n = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)stripes);
        _comparer = comparer ?? EqualityComparer<TKey>.Default;
        _stripes = new Dictionary<TKey, TValue>[n];
        _locks = new Lock[n];
        for (int i = 0; i < n; i++)
        {
            _stripes[i] = new Dictionary<TKey, TValue>(_comparer);
            _locks[i] = new Lock();
        }
        _mask = n - 1;
    }

    /// <summary>Number of lock stripes.</summary>
    public int StripeCount => _stripes.Length;

    /// <summary>Look up a key.</summary>
    public bool TryGetValue(TKey key, out TValue value)
    {
        int s = StripeOf(key);
        lock (_locks[s]) return _stripes[s].TryGetValue(key, out value!);
    }

    /// <summary>The value for <paramref name="key"/>, or <paramref name="fallback"/> when absent.</summary>
    public TValue GetValueOrDefault(TKey key, TValue fallback) => TryGetValue(key, out var v) ? v : fallback;

    /// <summary>Add or overwrite an entry.</summary>
    public void Set(TKey key, TValue value)
    {
        int s = StripeOf(key);
        lock (_locks[s]) _stripes[s][key] = value;
    }

    /// <summary>Remove an entry; false when absent.</summary>
    public bool Remove(TKey key)
    {
        int s = StripeOf(key);
        lock (_locks[s]) return _stripes[s].Remove(key);
    }

    /// <summary>Atomically add <paramref name="addValue"/> or replace the value with <paramref name="update"/>(key, old);
    /// returns the new value. <paramref name="update"/> runs under the key's lock: keep it short.</summary>
    public TValue AddOrUpdate(TKey key, TValue addValue, Func<TKey, TValue, TValue> update)
    {
        int s = StripeOf(key);
        lock (_locks[s])
        {
            var map = _stripes[s];
            var value = map.TryGetValue(key, out var old) ? update(key, old) : addValue;
            map[key] = value;
            return value;
        }
    }

    /// <summary>Allocation-free <see cref="AddOrUpdate(TKey, TValue, Func{TKey, TValue, TValue})"/>: pass static
    /// lambdas and <paramref name="state"/>.</summary>
    public TValue AddOrUpdate<TState>(TKey key, TState state, Func<TKey, TState, TValue> add, Func<TKey, TValue, TState, TValue> update)
    {
        int s = StripeOf(key);
        lock (_locks[s])
        {
            var map = _stripes[s];
            var value = map.TryGetValue(key, out var old) ? update(key, old, state) : add(key, state);
            map[key] = value;
            return value;
        }
    }

    /// <summary>Number of entries (a consistent count: takes every stripe).</summary>
    public int Count => Transaction(ReadOnlySpan<TKey>.Empty, 0, static (tx, _) => tx.Map.CountLocked(), allStripes: true);

    /// <summary>Run <paramref name="body"/> atomically over <paramref name="keys"/> (serialisable with every other
    /// operation on this map). The body may read and write only the declared keys.</summary>
    public void Transaction<TState>(ReadOnlySpan<TKey> keys, TState state, StrictTransactionAction<TKey, TValue, TState> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        Span<ulong> held = stackalloc ulong[WordsFor(_stripes.Length)];
        Acquire(keys, held, allStripes: false);
        try { body(new StrictTransaction<TKey, TValue>(this, held), state); }
        finally { Release(held); }
    }

    /// <summary>Run <paramref name="body"/> atomically over <paramref name="keys"/> and return its result.</summary>
    public TResult Transaction<TState, TResult>(ReadOnlySpan<TKey> keys, TState state, StrictTransactionFunc<TKey, TValue, TState, TResult> body) =>
        Transaction(keys, state, body, allStripes: false);

    private TResult Transaction<TState, TResult>(ReadOnlySpan<TKey> keys, TState state, StrictTransactionFunc<TKey, TValue, TState, TResult> body, bool allStripes)
    {
        ArgumentNullException.ThrowIfNull(body);
        Span<ulong> held = stackalloc ulong[WordsFor(_stripes.Length)];
        Acquire(keys, held, allStripes);
        try { return body(new StrictTransaction<TKey, TValue>(this, held), state); }
        finally { Release(held); }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int StripeOf(TKey key) => (int)(((uint)_comparer.GetHashCode(key) * 0x9E3779B1u) >> 16) & _mask;

    internal Dictionary<TKey, TValue> Stripe(int s) => _stripes[s];

    private int CountLocked()
    {
        int n = 0;
        foreach (var d in _stripes) n += d.Count;
        return n;
    }

    private static int WordsFor(int stripes) => (stripes + 63) >> 6;

    // Collect the stripe set as a bitmap, then lock in ascending stripe order (the global order).
    private void Acquire(ReadOnlySpan<TKey> keys, Span<ulong> held, bool allStripes)
    {
        if (allStripes)
            for (int s = 0; s < _stripes.Length; s++) held[s >> 6] |= 1UL << s;
        else
            foreach (var k in keys) { int s = StripeOf(k); held[s >> 6] |= 1UL << s; }
        for (int w = 0; w < held.Length; w++)
        {
            ulong bits = held[w];
            while (bits != 0)
            {
                int s = (w << 6) + System.Numerics.BitOperations.TrailingZeroCount(bits);
                _locks[s].Enter();
                bits &= bits - 1;
            }
        }
    }

    private void Release(Span<ulong> held)
    {
        for (int w = 0; w < held.Length; w++)
        {
            ulong bits = held[w];
            while (bits != 0)
            {
                _locks[(w << 6) + System.Numerics.BitOperations.TrailingZeroCount(bits)].Exit();
                bits &= bits - 1;
            }
        }
    }
}

/// <summary>
/// The view a transaction body gets of a <see cref="StrictConsistencyMap{TKey, TValue}"/>: reads and writes of
/// the keys declared for the transaction, all under its locks. Valid only during the body.
/// </summary>
public readonly ref struct StrictTransaction<TKey, TValue> where TKey : notnull
{
    private readonly Span<ulong> _held;

    internal StrictTransaction(StrictConsistencyMap<TKey, TValue> map, Span<ulong> held)
    {
        Map = map;
        _held = held;
    }

    internal StrictConsistencyMap<TKey, TValue> Map { get; }

    /// <summary>Look up a declared key.</summary>
    public bool TryGetValue(TKey key, out TValue value) => Locked(key).TryGetValue(key, out value!);

    /// <summary>The value of a declared key, or <paramref name="fallback"/> when absent.</summary>
    public TValue GetValueOrDefault(TKey key, TValue fallback) => Locked(key).TryGetValue(key, out var v) ? v : fallback;

    /// <summary>Add or overwrite a declared key.</summary>
    public void Set(TKey key, TValue value) => Locked(key)[key] = value;

    /// <summary>Remove a declared key; false when absent.</summary>
    public bool Remove(TKey key) => Locked(key).Remove(key);

    private Dictionary<TKey, TValue> Locked(TKey key)
    {
        int s = Map.StripeOf(key);
        if ((_held[s >> 6] & (1UL << s)) == 0)
            throw new InvalidOperationException($"Key '{key}' was not declared for this transaction; declare every key it touches.");
        return Map.Stripe(s);
    }
}
