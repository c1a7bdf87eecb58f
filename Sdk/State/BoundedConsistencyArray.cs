// Bounded inconsistency (thesis 3.1.1 (b)) for a table indexed by position, e.g. Maglev's lookup table
// that the control plane rebuilds. Element writes and whole-table replacements each count as one update;
// readers see a table at most `Bound` updates old. How: the writer owns a working array; publishing hands
// it to readers with Volatile.Write and marks it copy-on-write, so a published array is never changed
// again and readers index it with one Volatile.Read: no lock, no allocation.
namespace Switchboard.Sdk.State;

/// <summary>
/// A fixed-position table written by one writer and read by all cores, lagging by at most
/// <see cref="Bound"/> updates (NetBricks' bounded-consistency lookup table).
/// </summary>
/// <remarks>
/// <para>The writer is a core id or <see cref="StateWriter.ControlPlane"/>, fixed at construction; writes from
/// other threads throw <see cref="InvalidOperationException"/>. The writer's indexer reads its own writes.</para>
/// <para>To read several entries from one consistent table (e.g. once per batch), take <see cref="Published"/>
/// once and index the span: it stays valid and unchanged even if the writer publishes again.</para>
/// <para>Share one instance across replicas with <c>NfContext.Shared(key, factory)</c>.</para>
/// </remarks>
public sealed class BoundedConsistencyArray<T>
{
    private readonly SingleWriter _writer;
    private T[] _working;
    private bool _workingIsPublished;
    private T[] _published;
    private int _pending;
    private long _written;
    private long _publishedUpdates;

    /// <summary>Create the store holding a copy of <paramref name="initial"/>, already published.</summary>
    /// <param name="initial">The first table, visible to everyone.</param>
    /// <param name="bound">How many updates readers may miss (0 = publish every update).</param>
    /// <param name="writer">The writing core id, or <see cref="StateWriter.ControlPlane"/>.</param>
    public BoundedConsistencyArray(ReadOnlySpan<T> initial, int bound, int writer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bound);
        Bound = bound;
        _writer = new SingleWriter(writer, "BoundedConsistencyArray");
        _working = _published = initial.ToArray();
        _workingIsPublished = true;
    }

    /// <summary>The most updates a reader's view may lag the writer by.</summary>
    public int Bound { get; }
    /// <summary>The writer's core id, or <see cref="StateWriter.ControlPlane"/>.</summary>
    public int Writer => _writer.Writer;
    /// <summary>Updates the writer has made in total.</summary>
    public long WrittenUpdates => Volatile.Read(ref _written);
    /// <summary>Updates included in the published table.</summary>
    public long PublishedUpdates => Volatile.Read(ref _publishedUpdates);

    /// <summary>The published table (the same for every thread, the writer included). Never changes once returned.</summary>
    public ReadOnlySpan<T> Published => Volatile.Read(ref _published);

    /// <summary>Length of the caller's view.</summary>
    public int Length
    {
        get
        {
            if (!_writer.IsWriter) return Volatile.Read(ref _published).Length;
            using (_writer.Enter()) return _working.Length;
        }
    }

    /// <summary>Entry <paramref name="index"/>: the writer's latest for the writer, the published table's for others.</summary>
    public T this[int index]
    {
        get
        {
            if (!_writer.IsWriter) return Volatile.Read(ref _published)[index];
            using (_writer.Enter()) return _working[index];
        }
    }

    /// <summary>Overwrite one entry (writer only; one update).</summary>
    public void Set(int index, T value)
    {
        using (_writer.Enter())
        {
            if ((uint)index >= (uint)_working.Length) throw new ArgumentOutOfRangeException(nameof(index));
            if (_workingIsPublished)
            {
                _working = (T[])_working.Clone();
                _workingIsPublished = false;
            }
            _working[index] = value;
            Updated();
        }
    }

    /// <summary>Replace the whole table with a copy of <paramref name="table"/>, possibly of another length
    /// (writer only; one update).</summary>
    public void Replace(ReadOnlySpan<T> table)
    {
        using (_writer.Enter())
        {
            _working = table.ToArray();
            _workingIsPublished = false;
            Updated();
        }
    }

    /// <summary>Publish the writer's table now (writer only).</summary>
    public void Flush()
    {
        using (_writer.Enter()) Publish();
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
