using System.Text.Json;

namespace Switchboard.Host.Config;

/// <summary>A validated plugins.json: the operator's deployment.</summary>
internal sealed record Deployment(
    int Cores,
    int BatchSize,
    IReadOnlyDictionary<string, PortSpec> Ports,
    IReadOnlyDictionary<string, NfSpec> Nfs,
    IReadOnlyList<ChainSpec> Chains,
    IReadOnlyList<InvariantSpec> Invariants,
    string SourcePath)
{
    /// <summary>The top-level "dpdk" section: EAL arguments and mempool sizing (defaults when absent).</summary>
    public DpdkSettings Dpdk { get; init; } = new();
    /// <summary>The plugin packages to load and the trust settings ("plugins", "trust"); none when absent.</summary>
    public PluginsSection Plugins { get; init; } = PluginsSection.None;
}

/// <summary>How the DPDK EAL is started and how big its packet mempool is.</summary>
internal sealed record DpdkSettings
{
    public const int DefaultMempoolSize = 16383, DefaultCacheSize = 256;
    /// <summary>Arguments for rte_eal_init (without the program name).</summary>
    public IReadOnlyList<string> Eal { get; init; } = [];
    /// <summary>Mbufs in the packet mempool (2^n - 1 is optimal for DPDK's ring).</summary>
    public int MempoolSize { get; init; } = DefaultMempoolSize;
    /// <summary>Per-lcore mempool cache size (0..512).</summary>
    public int CacheSize { get; init; } = DefaultCacheSize;
    /// <summary>How long a start waits for every DPDK port's link to come up before traffic flows (seconds).</summary>
    public double LinkWaitSeconds { get; init; } = DefaultLinkWaitSeconds;
    public const double DefaultLinkWaitSeconds = 5, MaxLinkWaitSeconds = 120;
}

/// <summary>A port as configured. <see cref="Path"/> is its JSON path, for error messages.</summary>
internal abstract record PortSpec(string Name, string Path)
{
    public abstract string Kind { get; }
    /// <summary>IPv4 prefixes of the port's traffic (<c>"prefixes"</c>): its policy group in the activation gate; empty: synthetic.</summary>
    public IReadOnlyList<string> Prefixes { get; init; } = [];
}

/// <summary>Built-in traffic: <c>flows</c> distinct 5-tuples, sizes, TCP/UDP mix, optional rate.</summary>
internal sealed record GeneratorPortSpec(string Name, string Path) : PortSpec(Name, Path)
{
    public override string Kind => "generator";
    public int Flows { get; init; } = 1000;
    /// <summary>Frame sizes in bytes (without FCS), 60..1514; cycled per flow when more than one.</summary>
    public int MinSize { get; init; } = 64;
    public int MaxSize { get; init; } = 64;
    /// <summary>Fraction of flows that are TCP (the rest UDP), 0..1.</summary>
    public double TcpShare { get; init; } = 0.5;
    /// <summary>Total rate over all queues in Mpps; 0 = as fast as possible.</summary>
    public double RateMpps { get; init; }
    /// <summary>Source and destination address pools (CIDR).</summary>
    public string SourceNet { get; init; } = "10.0.0.0/16";
    public string DestinationNet { get; init; } = "192.168.0.0/16";
    public int Seed { get; init; } = 1;
    /// <summary>Stop after this many packets in total (0 = unlimited).</summary>
    public long Count { get; init; }
}

internal sealed record PcapInPortSpec(string Name, string Path) : PortSpec(Name, Path)
{
    public override string Kind => "pcap-in";
    public required string File { get; init; }
    /// <summary>Replay forever instead of once.</summary>
    public bool Loop { get; init; }
}

internal sealed record PcapOutPortSpec(string Name, string Path) : PortSpec(Name, Path)
{
    public override string Kind => "pcap-out";
    public required string File { get; init; }
    public int SnapLength { get; init; } = 65535;
}

internal sealed record NullPortSpec(string Name, string Path) : PortSpec(Name, Path)
{
    public override string Kind => "null";
}

/// <summary>A DPDK ethdev: a virtual device ("net_pcap0,rx_pcap=in.pcap", "net_null0", "net_ring0", ...) or a
/// PCI address; one RX/TX queue pair per core.</summary>
internal sealed record DpdkPortSpec(string Name, string Path) : PortSpec(Name, Path)
{
    public const int DefaultDescriptors = 1024;
    public override string Kind => "dpdk";
    /// <summary>Device arguments as DPDK takes them; relative pcap paths are already resolved against the deployment file.</summary>
    public required string Device { get; init; }
    public int RxDescriptors { get; init; } = DefaultDescriptors;
    public int TxDescriptors { get; init; } = DefaultDescriptors;
    /// <summary>The device name: the part before the first ','.</summary>
    public string DeviceName => Device.Split(',', 2)[0];
}

/// <summary>An NF instance: which NF type, and its config object (validated by the NF itself when built).</summary>
internal sealed record NfSpec(string Name, string Type, JsonElement Config, string Path)
{
    /// <summary>When to quarantine the instance and what its chain does then (<c>"faults"</c> in plugins.json).</summary>
    public FaultPolicy Faults { get; init; } = FaultPolicy.Default;
}

/// <summary>What a chain does with traffic for a quarantined NF: drop it (fail closed) or skip the NF.</summary>
internal enum QuarantineAction { Drop, Bypass }

/// <summary>An NF instance is quarantined after <see cref="Limit"/> faults (exceptions in its code, summed
/// over cores; 0 = never). Default: 1000 faults, then drop (fail closed: a broken firewall or NAT must not
/// pass traffic unfiltered or untranslated).</summary>
internal sealed record FaultPolicy(long Limit, QuarantineAction OnQuarantine)
{
    public const long DefaultLimit = 1000;
    public static readonly FaultPolicy Default = new(DefaultLimit, QuarantineAction.Drop);
}

/// <summary>port → NF → … → port.</summary>
internal sealed record ChainSpec(string Name, string From, IReadOnlyList<string> Through, string To, string Path);

/// <summary>An isolation invariant for the policy checker (checked by PolicyCheck when it lands).</summary>
internal sealed record InvariantSpec(string Name, string Kind, string From, string To, IReadOnlyList<string> Through, string? Expect, string Path)
{
    /// <summary>Pipeline invariants: the NFs packets must pass, in order; each stage one NF or alternatives.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Stages { get; init; } = [];
}
