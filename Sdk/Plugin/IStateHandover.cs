namespace Switchboard.Sdk;

/// <summary>
/// Implemented by an NF whose per-core state should survive a hot replace (a NAT's translation table,
/// so established flows keep their public port). At the swap point the host calls
/// <see cref="ExportState"/> on the outgoing replica and <see cref="ImportState"/> on its replacement,
/// both on the replica's own core, between batches, with no packet in flight through either.
/// <para>Old and new replicas may come from different plugin load contexts, so their types are not the
/// same even when the names are: state crosses as bytes tagged with a format name the NF chooses (and
/// versions). An NF that does not implement this interface starts with fresh state after a replace.</para>
/// </summary>
public interface IStateHandover
{
    /// <summary>This replica's state, or null when there is nothing to hand over (e.g. the replica does not
    /// own the core's table). Called once, as the replica stops receiving packets; it may still drain
    /// packets queued inside it afterwards, whose effects on its state are not handed over.</summary>
    NfState? ExportState();

    /// <summary>Take over state exported by the predecessor on this core. Return false when the format is
    /// unknown (the replica keeps its fresh state and the host logs it). Throwing counts as a fault and
    /// also leaves fresh state.</summary>
    bool ImportState(NfState state);
}

/// <summary>An NF's exported state: a format tag (e.g. <c>"nat-table/1"</c>) and bytes. Only Sdk and BCL
/// types cross, so it is safe between plugin load contexts.</summary>
public sealed class NfState
{
    private readonly byte[] _data;

    /// <summary>Wrap <paramref name="data"/> (not copied: do not change it afterwards) under <paramref name="format"/>.</summary>
    public NfState(string format, byte[] data)
    {
        ArgumentException.ThrowIfNullOrEmpty(format);
        ArgumentNullException.ThrowIfNull(data);
        Format = format;
        _data = data;
    }

    /// <summary>The format tag chosen by the exporting NF; importers check it before reading.</summary>
    public string Format { get; }

    /// <summary>The state bytes.</summary>
    public ReadOnlySpan<byte> Data => _data;

    /// <summary>Size of <see cref="Data"/> in bytes.</summary>
    public int Length => _data.Length;
}
