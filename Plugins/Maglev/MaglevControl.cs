using Switchboard.Sdk.State;

namespace Switchboard.Plugins.Maglev;

/// <summary>
/// The control plane of one Maglev instance, shared by its replicas on every core: the backend weights and
/// the lookup table, kept in a bounded-consistency store (thesis listing 3) that pipeline cores read
/// lock-free and only the control plane writes. Changing a weight (0 removes a backend, a positive weight
/// adds it back) repopulates the table and publishes it at once; established flows stay where they are
/// (the per-core connection caches), new flows follow the new table.
/// The set of backends is fixed by the configuration (their MACs and addresses are the NF's rewrite tables).
/// </summary>
public sealed class MaglevControl
{
    private readonly int[] _weights;
    private readonly Lock _gate = new();

    public MaglevControl(MaglevConfig cfg)
    {
        Backends = cfg.Backends.Select(b => b.Name).ToArray();
        _weights = cfg.Backends.Select(b => b.Weight).ToArray();
        TableSize = cfg.TableSize;
        Table = new BoundedConsistencyArray<int>(MaglevTable.Populate(Backends, _weights, TableSize), bound: 0, StateWriter.ControlPlane);
    }

    public IReadOnlyList<string> Backends { get; }
    public int TableSize { get; }
    /// <summary>Backend index per position; -1 when no backend has a weight.</summary>
    public BoundedConsistencyArray<int> Table { get; }
    /// <summary>Table updates published so far.</summary>
    public long Version => Table.PublishedUpdates;

    public int WeightOf(string backend)
    {
        lock (_gate) return _weights[IndexOf(backend)];
    }

    /// <summary>Set a backend's weight and publish the new table (control plane only: not from a pipeline core).</summary>
    public void SetWeight(string backend, int weight)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(weight);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(weight, 1000);
        lock (_gate)
        {
            int i = IndexOf(backend);
            if (_weights[i] == weight) return;
            _weights[i] = weight;
            Table.Replace(MaglevTable.Populate(Backends, _weights, TableSize));
            Table.Flush();
        }
    }

    /// <summary>Take a backend out of the table: new flows avoid it, its established flows drain.</summary>
    public void Remove(string backend) => SetWeight(backend, 0);

    /// <summary>Put a configured backend (back) into the table.</summary>
    public void Add(string backend, int weight = 1) => SetWeight(backend, weight);

    private int IndexOf(string backend)
    {
        for (int i = 0; i < Backends.Count; i++) if (Backends[i] == backend) return i;
        throw new ArgumentException($"No backend named '{backend}'; configured: {string.Join(", ", Backends)}.", nameof(backend));
    }
}
