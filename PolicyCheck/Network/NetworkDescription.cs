using System.Text.Json;

namespace Switchboard.PolicyCheck.Network;

/// <summary>What a node is: an end host, a network function instance, or a plain forwarding node (router/switch).</summary>
public enum NodeKind { Host, Function, Router }

/// <summary>A set of end hosts that one policy treats alike (4.3.2's policy equivalence class), with its prefixes.</summary>
public sealed record PolicyGroup(string Name, IReadOnlyList<Ipv4Prefix> Prefixes);

/// <summary>A node of the network. Hosts have one address and a group; NFs the addresses they may use; routers none.</summary>
public sealed record NetworkNode(string Name, NodeKind Kind, IReadOnlyList<Ipv4Address> Addresses, string? Group, string JsonPath)
{
    /// <summary>Endpoints send and receive packets (hosts and NFs); routers only carry them.</summary>
    public bool IsEndpoint => Kind != NodeKind.Router;
}

/// <summary>An NF instance: which model it runs (a name from the model library) and its configuration, as written.</summary>
public sealed record FunctionInstance(string Name, string Model, JsonElement Config, string JsonPath);

/// <summary>
/// One routing rule of a node. Rules are tried in order; a rule applies when the packet's destination is in
/// <see cref="Destinations"/>, every <see cref="WhenDown"/> node has failed, every <see cref="WhenUp"/> node is up,
/// and <see cref="NextHop"/> itself is up (so a backup rule after a primary one is the usual fail-over).
/// No applicable rule: the packet is dropped.
/// </summary>
public sealed record RouteRule(IReadOnlySet<Ipv4Address> Destinations, string DestinationText, string NextHop,
    IReadOnlyList<string> WhenDown, IReadOnlyList<string> WhenUp, string JsonPath);

/// <summary>Which nodes may fail, and how many at once.</summary>
public sealed record FailureModel(IReadOnlyList<string> Nodes, int MaxFailures)
{
    public static readonly FailureModel None = new([], 0);
}

/// <summary>Invariant kinds (4.4.1).</summary>
public static class InvariantKinds
{
    public const string Isolation = "isolation", FlowIsolation = "flow-isolation", DataIsolation = "data-isolation", Traversal = "traversal";

    /// <summary>A traversal with order: every packet from <c>from</c> delivered to <c>to</c> passed the NFs of
    /// <see cref="InvariantSpec.Stages"/> in that order (4.4.1's pipeline invariants).</summary>
    public const string Pipeline = "pipeline";

    public static readonly IReadOnlyList<string> All = [Isolation, FlowIsolation, DataIsolation, Traversal, Pipeline];
}

/// <summary>
/// An invariant. <see cref="From"/>/<see cref="To"/> name a host, NF or policy group (Batfish's start/end
/// locations); <see cref="Through"/> the NFs a traversal invariant requires (its transit locations; for a pipeline,
/// the NFs of all its stages). <see cref="Expect"/> ("holds"/"violated") makes the file a regression test.
/// </summary>
public sealed record InvariantSpec(string Name, string Kind, string From, string To, IReadOnlyList<string> Through,
    string? Expect, bool UnderFailures, string JsonPath)
{
    /// <summary>For a pipeline invariant: the stages in the order packets must pass them, each a set of alternative NFs
    /// (passing any one of them passes the stage). Empty for other kinds.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Stages { get; init; } = [];
}

/// <summary>How the verifier runs (the file's <c>options</c>).</summary>
public sealed record VerificationOptions
{
    public bool Slicing { get; init; } = true;
    public bool Symmetry { get; init; } = true;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    public uint Seed { get; init; }
    public int Reseeds { get; init; } = 2;
    public string Solver { get; init; } = "z3";
}

/// <summary>A validated network description (the JSON format in Network/README.md).</summary>
public sealed class NetworkDescription
{
    public required IReadOnlyList<PolicyGroup> Groups { get; init; }

    /// <summary>Every node in file order: hosts, then NFs, then routers.</summary>
    public required IReadOnlyList<NetworkNode> Nodes { get; init; }

    public required IReadOnlyList<FunctionInstance> Functions { get; init; }

    /// <summary>Routing rules per node (nodes without rules drop what they would send).</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<RouteRule>> Routing { get; init; }

    public required FailureModel Failures { get; init; }
    public required IReadOnlyList<InvariantSpec> Invariants { get; init; }
    public required VerificationOptions Options { get; init; }

    /// <summary>The file it came from (for messages).</summary>
    public string Source { get; init; } = "";

    private Dictionary<string, NetworkNode>? _byName;
    private Dictionary<Ipv4Address, NetworkNode>? _byAddress;

    public NetworkNode Node(string name) => (_byName ??= Nodes.ToDictionary(n => n.Name, StringComparer.Ordinal))[name];

    public bool TryGetNode(string name, out NetworkNode node) =>
        (_byName ??= Nodes.ToDictionary(n => n.Name, StringComparer.Ordinal)).TryGetValue(name, out node!);

    /// <summary>The node that owns <paramref name="address"/>, if any.</summary>
    public NetworkNode? Owner(Ipv4Address address) =>
        (_byAddress ??= Nodes.SelectMany(n => n.Addresses.Select(a => (a, n))).ToDictionary(x => x.a, x => x.n)).GetValueOrDefault(address);

    public IEnumerable<NetworkNode> Hosts => Nodes.Where(n => n.Kind == NodeKind.Host);
    public IEnumerable<NetworkNode> Endpoints => Nodes.Where(n => n.IsEndpoint);

    /// <summary>Every address some node may use, ascending.</summary>
    public IReadOnlyList<Ipv4Address> Addresses => Nodes.SelectMany(n => n.Addresses).Order().ToList();

    private TransferFunction? _transfer;

    /// <summary>The transfer function (computed on first use).</summary>
    public TransferFunction Transfer => _transfer ??= TransferFunction.Compute(this);

    public PolicyGroup? Group(string name) => Groups.FirstOrDefault(g => g.Name == name);

    public FunctionInstance? Function(string name) => Functions.FirstOrDefault(f => f.Name == name);

    /// <summary>The nodes a name stands for: the node itself, or every host of a policy group.</summary>
    public IReadOnlyList<NetworkNode> Resolve(string nodeOrGroup) =>
        TryGetNode(nodeOrGroup, out var node) ? [node] : Hosts.Where(h => h.Group == nodeOrGroup).ToList();
}
