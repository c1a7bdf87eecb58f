// Bounded inconsistency (thesis 3.1.1 (b)) for one immutable object, e.g. a whole lookup table or a
// configuration snapshot that the writer replaces wholesale. Each Set is one update; readers see a value
// at most `Bound` updates old. How: the published reference is swapped with Volatile.Write and read with
// Volatile.Read, so a read is one load: no lock, no allocation. Values must not be mutated once Set.
namespace Switchboard.Sdk.State;

/// <summary>
/// A reference the writer replaces and other cores read, lagging by at most <see cref="Bound"/> updates.
/// The object stored must be treated as immutable once set (for arrays use <see cref="BoundedConsistencyArray{T}"/>,
/// which copies).
/// </summary>
/// <remarks>The writer is a core id or <see cref="StateWriter.ControlPlane"/>, fixed at construction; other
/// threads that call <see cref="Set"/> get <see cref="InvalidOperationException"/>. Share one instance
/// across replicas with <c>NfContext.Shared(key, factory)</c>.</remarks>
public sealed class BoundedConsistencyValue<T> where T : class
{
    private readonly SingleWriter _writer;
    private T _working;
    private T _published;
    private int _pending;
    private long _written;
    private long _publishedUpdates;

    /// <summary>Create the store holding <paramref name="initial"/>, already published.</summary>
    /// <param name="initial">The first value, visible to everyone.</param>
    /// <param name="bound">How many updates readers may miss (0 = publish every update).</param>
    /// <param name="writer">The writing core id, or <see cref="StateWriter.ControlPlane"/>.</param>
    public BoundedConsistencyValue(T initial, int bound, int writer)
    {
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentOutOfRangeException.ThrowIfNegative(bound);
        Bound = bound;
        _writer = new SingleWriter(writer, "BoundedConsistencyValue");
        _working = _published = initial;
    }

    /// <summary>The most updates a reader's view may lag the writer by.</summary>
    public int Bound { get; }
    /// <summary>The writer's core id, or <see cref="StateWriter.ControlPlane"/>.</summary>
    public int Writer => _writer.Writer;
    /// <summary>Updates the writer has made in total.</summary>
    public long WrittenUpdates => Volatile.Read(ref _written);
    /// <summary>Updates included in the published value.</summary>
    public long PublishedUpdates => Volatile.Read(ref _publishedUpdates);

    /// <summary>The writer's latest value for the writer; the published value for everyone else.</summary>
    public T Value => _writer.IsWriter ? Volatile.Read(ref _working) : Volatile.Read(ref _published);

    /// <summary>Replace the value (writer only; one update).</summary>
    public void Set(T value)
    {
        ArgumentNullException.ThrowIfNull(value);
        using (_writer.Enter())
        {
            Volatile.Write(ref _working, value);
            Volatile.Write(ref _written, _written + 1);
            if (++_pending > Bound) Publish();
        }
    }

    /// <summary>Publish the writer's latest value now (writer only).</summary>
    public void Flush()
    {
        using (_writer.Enter()) Publish();
    }

    private void Publish()
    {
        if (_pending == 0) return;
        Volatile.Write(ref _published, _working);
        Volatile.Write(ref _publishedUpdates, _written);
        _pending = 0;
    }
}
