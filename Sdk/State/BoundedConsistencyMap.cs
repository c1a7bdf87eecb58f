// Bounded inconsistency (thesis 3.1.1 (b)) for a key-value map: one writer, any number of readers on
// other cores, and a reader's view lags the writer by at most `Bound` updates.
// How: the writer mutates a private working dictionary and counts unpublished updates; once that count
// exceeds the bound it publishes the working dictionary as an immutable snapshot with one Volatile.Write.
// Readers do one Volatile.Read of the snapshot and a plain dictionary lookup: no lock, no allocation.
// A published snapshot is never mutated again (copy-on-write: the writer copies before its next change),
// which is what makes lock-free reads of a plain Dictionary safe.
namespace Switchboard.Sdk.State;

/// <summary>
/// A map with one writer whose updates other cores see within a bound counted in updates
/// (NetBricks' bounded-consistency state, e.g. Maglev's flow cache shared for reading).
/// </summary>
/// <remarks>
/// <para>The writer is fixed at construction: a pipeline core id, or <see cref="StateWriter.ControlPlane"/>
/// for any non-worker thread (control-plane writes are serialised by a lock; pipeline cores only read).
/// Writing from any other thread throws <see cref="InvalidOperationException"/>.</para>
/// <para>The writer reads its own writes immediately. Every other thread reads the last published
/// snapshot, which is never more than <see cref="Bound"/> updates behind; <see cref="Flush"/> publishes
/// at once. Reads are lock-free and allocation-free.</para>
/// <para>Publishing costs O(1), but the first update after a publish copies the map (O(n)), so a bound
/// of at least a few percent of the map size keeps writes cheap.</para>
/// <para>Share one instance across an NF's replicas with <c>NfContext.Shared(key, () =&gt; new BoundedConsistencyMap&lt;K, V&gt;(bound, writer))</c>;
/// for one writer per core use <see cref="PerCore"/> (partition <c>i</c> is written by core <c>i</c>).</para>
/// </remarks>
public sealed class BoundedConsistencyMap<TKey, TValue> where TKey : notnull
{
    private readonly SingleWriter _writer;
    private Dictionary<TKey, TValue> _working;
    private bool _workingIsPublished;   // working aliases the published snapshot: copy before mutating
    private Dictionary<TKey, TValue> _published;
    private int _pending;
    private long _written;
    private long _publishedUpdates;

    /// <summary>Create an empty map.</summary>
    /// <param name="bound">How many updates readers may miss (0 = publish every update).</param>
    /// <param name="writer">The writing core id, or <see cref="StateWriter.ControlPlane"/>.</param>
    /// <param name="comparer">Optional key comparer.</param>
    public BoundedConsistencyMap(int bound, int writer, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bound);
        Bound = bound;
        _writer = new SingleWriter(writer, "BoundedConsistencyMap");
        _working = new Dictionary<TKey, TValue>(comparer);
        _published = _working;
        _workingIsPublished = true;
    }

    /// <summary>One map per core, map <c>i</c> written by core <c>i</c> and readable by all.</summary>
    public static BoundedConsistencyMap<TKey, TValue>[] PerCore(int coreCount, int bound, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(coreCount);
        var maps = new BoundedConsistencyMap<TKey, TValue>[coreCount];
        for (int i = 0; i < coreCount; i++) maps[i] = new BoundedConsistencyMap<TKey, TValue>(bound, i, comparer);
        return maps;
    }

    /// <summary>The most updates a reader's view may lag the writer by.</summary>
    public int Bound { get; }
    /// <summary>The writer's core id, or <see cref="StateWriter.ControlPlane"/>.</summary>
    public int Writer => _writer.Writer;
    /// <summary>Updates the writer has made in total.</summary>
    public long WrittenUpdates => Volatile.Read(ref _written);
    /// <summary>Updates included in the published snapshot (a read after this one sees at least these).</summary>
    public long PublishedUpdates => Volatile.Read(ref _publishedUpdates);

    /// <summary>Look up a key: the writer sees its own writes, other threads the published snapshot.</summary>
    public bool TryGetValue(TKey key, out TValue value)
    {
        if (!_writer.IsWriter) return Volatile.Read(ref _published).TryGetValue(key, out value!);
        using (_writer.Enter()) return _working.TryGetValue(key, out value!);
    }

    /// <summary>The value for <paramref name="key"/>, or <paramref name="fallback"/> when absent.</summary>
    public TValue GetValueOrDefault(TKey key, TValue fallback) => TryGetValue(key, out var v) ? v : fallback;

    /// <summary>Whether the key is present in the caller's view.</summary>
    public bool ContainsKey(TKey key) => TryGetValue(key, out _);

    /// <summary>Number of entries in the caller's view.</summary>
    public int Count
    {
        get
        {
            if (!_writer.IsWriter) return Volatile.Read(ref _published).Count;
            using (_writer.Enter()) return _working.Count;
        }
    }

    /// <summary>Add or overwrite an entry (writer only; one update).</summary>
    public void Set(TKey key, TValue value)
    {
        using (_writer.Enter())
        {
            Writable()[key] = value;
            Updated();
        }
    }

    /// <summary>Remove an entry (writer only; one update if it was present).</summary>
    public bool Remove(TKey key)
    {
        using (_writer.Enter())
        {
            if (!_working.ContainsKey(key)) return false;
            Writable().Remove(key);
            Updated();
            return true;
        }
    }

    /// <summary>Return the existing value or add <paramref name="create"/>'s result (writer only; one update
    /// if added). Pass a static lambda and <paramref name="state"/> to avoid a closure allocation.</summary>
    public TValue GetOrAdd<TState>(TKey key, TState state, Func<TKey, TState, TValue> create)
    {
        using (_writer.Enter())
        {
            if (_working.TryGetValue(key, out var existing)) return existing;
            var made = create(key, state);
            Writable()[key] = made;
            Updated();
            return made;
        }
    }

    /// <summary>Remove every entry (writer only; one update).</summary>
    public void Clear()
    {
        using (_writer.Enter())
        {
            _working = new Dictionary<TKey, TValue>(_working.Comparer);
            _workingIsPublished = false;
            Updated();
        }
    }

    /// <summary>Publish the writer's state now, so every later read on any core sees all updates so far (writer only).</summary>
    public void Flush()
    {
        using (_writer.Enter()) Publish();
    }

    private Dictionary<TKey, TValue> Writable()
    {
        if (_workingIsPublished)
        {
            _working = new Dictionary<TKey, TValue>(_working, _working.Comparer);
            _workingIsPublished = false;
        }
        return _working;
    }

    private void Updated()
    {
        Volatile.Write(ref _written, _written + 1);
        if (++_pending > Bound) Publish();
    }

    private void Publish()
    {
        if (_pending == 0) return;
        _workingIsPublished = true;
        Volatile.Write(ref _published, _working);
        Volatile.Write(ref _publishedUpdates, _written);
        _pending = 0;
    }
}
