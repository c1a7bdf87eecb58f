using System.Text.Json;
using Switchboard.Host.Config;
using Switchboard.Sdk;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Runtime;

/// <summary>A named NF instance of the running switch: where it sits, its fault policy, and the
/// generation currently in its slots (replaced on hot swap). Mutated only under the dataplane's control lock.</summary>
internal sealed class NfInstanceState(string name, string chain, FaultPolicy faults, NfSlotNode[] slots)
{
    public string Name { get; } = name;
    public string Chain { get; } = chain;
    public FaultPolicy Faults { get; } = faults;
    /// <summary>This instance's slot on each core (index = core).</summary>
    public NfSlotNode[] Slots { get; } = slots;
    public NfGeneration? Current { get; set; }
    /// <summary>Per core: what retired generations counted (added when each retires).</summary>
    public Dataplane.NfTotals[] Retired { get; } = new Dataplane.NfTotals[slots.Length];
    public int NextGeneration { get; set; }
}

/// <summary>
/// One build of an NF instance: a replica per core from one factory, type and config. Its shared
/// objects and shuffle rings are keyed by <see cref="KeyScope"/> (the instance name for the first
/// generation, <c>name#n</c> after), so a replacement never receives a predecessor's objects. Faults
/// are counted across cores; reaching the policy's limit quarantines the generation.
/// </summary>
internal sealed class NfGeneration(NfInstanceState instance, int number, string type, JsonElement config, string configPath, int cores)
{
    private long _faults;
    private int _quarantined;

    public NfInstanceState Instance { get; } = instance;
    public int Number { get; } = number;
    public string Type { get; } = type;
    public JsonElement Config { get; } = config;
    public string ConfigPath { get; } = configPath;
    public string KeyScope => Number == 0 ? Instance.Name : $"{Instance.Name}#{Number}";
    public NfReplica[] Replicas { get; } = new NfReplica[cores];

    /// <summary>Faults on every core (node UDFs, timer actions, escaped exceptions).</summary>
    public long Faults => Interlocked.Read(ref _faults);
    public bool Quarantined => Volatile.Read(ref _quarantined) != 0;
    public string? QuarantineReason { get; private set; }
    /// <summary>The latest fault, as text (an Exception would keep the plugin's types alive).</summary>
    public string? LastFault { get; private set; }

    /// <summary>Called by the dataplane when a fault lands; true when this one reached the limit.</summary>
    internal bool CountFault(string where, Exception e)
    {
        LastFault = $"{where}: {e.GetType().Name}: {e.Message}";
        long n = Interlocked.Increment(ref _faults);
        return Instance.Faults.Limit > 0 && n >= Instance.Faults.Limit;
    }

    /// <summary>Mark quarantined once; false when it already was.</summary>
    internal bool TryQuarantine(string reason)
    {
        if (Interlocked.CompareExchange(ref _quarantined, 1, 0) != 0) return false;
        QuarantineReason = reason;
        return true;
    }

    /// <summary>Whether the shared-registry key belongs to this generation (its NfContext.Shared objects or shuffle rings).</summary>
    public bool OwnsKey(string key) =>
        key.StartsWith($"nf:{KeyScope}:", StringComparison.Ordinal) || key.StartsWith($"{KeyScope}/", StringComparison.Ordinal);
}

/// <summary>One generation's replica on one core: its function object, boundary nodes, own nodes,
/// queues (schedulables) and timers. Counters are written by the owning worker only.</summary>
internal sealed class NfReplica(NfGeneration generation, int core, INetworkFunction function) : IFaultSink
{
    public NfGeneration Generation { get; } = generation;
    public int Core { get; } = core;
    public INetworkFunction Function { get; internal set; } = function;
    /// <summary>Counts the NF's input (its packets run in <see cref="Start"/>).</summary>
    public NfEntryNode Entry { get; internal set; } = null!;
    /// <summary>The node the slot hands batches to: the fused node whose first stage is the entry's.</summary>
    public Node Start { get; internal set; } = null!;
    public NfExitNode Exit { get; internal set; } = null!;
    public List<Node> Nodes { get; } = [];
    public List<ISchedulable> Schedulables { get; } = [];
    public EventScheduler Events { get; internal set; } = null!;
    /// <summary>Packets moved by this replica's queues when polled (written by the worker; drain detection).</summary>
    public long Moved;
    /// <summary><see cref="Moved"/> when the replica left its slot.</summary>
    public long MovedAtSwap;
    /// <summary>Where faults go (the dataplane: counting and quarantine).</summary>
    internal Action<NfReplica, string, Exception>? FaultHandler;

    public string Name => Generation.Instance.Name;

    public void OnFault(string where, Exception e) => FaultHandler?.Invoke(this, where, e);

    /// <summary>Drop every reference into the plugin (after retirement) so its load context can be collected.</summary>
    internal void Release()
    {
        foreach (var n in Nodes) n.FaultSink = null;
        Nodes.Clear();
        Start = null!;
        Schedulables.Clear();
        FaultHandler = null;
        Function = null!;
        Events = null!;
    }
}
