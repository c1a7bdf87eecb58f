using Switchboard.Sdk.Runtime;

namespace Switchboard.Sdk;

/// <summary>
/// An unconnected output of the graph being built. Each operator method consumes this pipe (a pipe
/// feeds exactly one node; branch with <c>GroupBy</c>) and returns the new node's output pipe, so an
/// NF reads as a chain: <c>input.Parse&lt;Ethernet&gt;().Parse&lt;Ipv4&gt;().Transform(...)</c>.
/// </summary>
public sealed partial class Pipe
{
    private Action<Node>? _attach;
    private readonly string _origin;
    // When this pipe is the output of a fused node: that node, and how it was linked to its input (to
    // relink a longer fused node in its place when another per-packet operator follows).
    private FusedNode? _fused;
    private Action<Node>? _fusedLink;

    /// <summary>What every packet's header stack holds at this point, when the builder knows (see <see cref="KnownStack"/>).</summary>
    internal KnownStack Known { get; private set; }

    internal Pipe(GraphBuilder builder, Action<Node> attach, string origin)
    {
        Builder = builder;
        _attach = attach;
        _origin = origin;
        builder.Track(this);
    }

    internal GraphBuilder Builder { get; }
    internal bool IsConnected => _attach is null;
    internal string Origin => _origin;

    /// <summary>Attach a node to this output and return the node's own output pipe.</summary>
    internal Pipe Then(Node node, string kind)
    {
        Connect(node, kind);
        return new Pipe(Builder, n => node.Next = n, node.Name);
    }

    /// <summary>Append a per-packet operator: <paramref name="stage"/> runs in the fused node this pipe
    /// comes out of (a longer one replaces it) or in a new one; <paramref name="node"/> is the operator's
    /// node in the graph (name, counters). Returns the output after the stage.</summary>
    internal Pipe Fuse<TStage>(TStage stage, StageNode node, string kind, KnownStack after = KnownStack.Unknown,
        StageNode? first = null, bool register = true) where TStage : struct, IStage
    {
        var attach = EnsureOpen();
        if (register) Register(node, kind);
        FusedNode fused;
        Action<Node> link;
        if (ExtendsFused(out var tail))
        {
            fused = tail.Append(stage, node);
            link = _fusedLink!;
        }
        else
        {
            fused = new FusedNode<TStage>(stage, first ?? node, node);
            link = attach;
        }
        fused.Core = Builder.Core;
        link(fused);
        _attach = null;
        return new Pipe(Builder, n => fused.Next = n, node.Name) { _fused = fused, _fusedLink = link, Known = after };
    }

    private bool ExtendsFused(out FusedNode tail)
    {
        tail = _fused!;
        return _fused is not null && _fused.StageCount < FusedNode.MaxStages;
    }

    /// <summary>Attach a node to this output (terminal or multi-output nodes).</summary>
    internal void Connect(Node node, string kind)
    {
        var attach = EnsureOpen();
        Register(node, kind);
        attach(node);
        _attach = null;
    }

    private void Register(Node node, string kind)
    {
        node.Core = Builder.Core;
        if (node.Name.Length == 0) node.Name = Builder.NameFor(kind);
        Builder.Nodes.Add(node);
    }

    /// <summary>Throw unless this output is still free (checked before an operator creates shared state). Appends
    /// any pending stages first, so the operator attaches after them.</summary>
    internal Action<Node> EnsureOpen()
    {
        var attach = _attach ?? throw new InvalidOperationException(
            $"The output of '{_origin}' is already connected; a pipe feeds one node (use GroupBy to branch, Merge to join).");
        if (_pending is null) return attach;
        AppendPending();
        return _attach!;
    }

    /// <summary>Become <paramref name="other"/> (this pipe's continuation): take its open output and what is known there.</summary>
    private void Adopt(Pipe other)
    {
        _attach = other._attach;
        _fused = other._fused;
        _fusedLink = other._fusedLink;
        Known = other.Known;
        other._attach = null;
    }

    /// <summary>Drop everything arriving here (an explicit end for a branch that should discard).</summary>
    public void Drop() => Connect(new DropNode(), "drop");

    /// <summary>The core this replica of the graph runs on, and how many replicas there are.</summary>
    public int CoreId => Builder.Core.CoreId;
    public int CoreCount => Builder.Core.CoreCount;

    private sealed class DropNode : Node
    {
        internal override void Process(PacketBatch batch)
        {
            _in += batch.Count;
            _dropped += batch.Count;
            Core.DropAll(batch);
        }
    }
}

/// <summary>Builds one core's replica of the graph: owns the nodes, names them, checks every output is connected.</summary>
internal sealed class GraphBuilder(CoreContext core)
{
    private readonly List<Pipe> _pipes = [];
    private readonly Dictionary<string, int> _names = [];
    private int _sharedSeq;

    public CoreContext Core { get; } = core;
    public List<Node> Nodes { get; } = [];
    /// <summary>Prefix for node names, e.g. the NF instance being built.</summary>
    public string Scope { get; set; } = "";
    /// <summary>Prefix of shared-object keys when it must differ from <see cref="Scope"/>: a hot-swapped NF
    /// generation (<c>nat#2</c>) gets its own shuffle rings instead of its predecessor's.</summary>
    public string KeyScope { get; set; } = "";

    public void Track(Pipe p) => _pipes.Add(p);

    public string NameFor(string kind)
    {
        string baseName = Scope.Length == 0 ? kind : $"{Scope}/{kind}";
        int n = _names.TryGetValue(baseName, out var c) ? c + 1 : 1;
        _names[baseName] = n;
        return n == 1 ? baseName : $"{baseName}#{n}";
    }

    /// <summary>A key that is the same for the same position in every core's replica.</summary>
    public string NextSharedKey(string kind) => $"{(KeyScope.Length > 0 ? KeyScope : Scope)}/{kind}@{_sharedSeq++}";

    /// <summary>Outputs left unconnected (each a build error the host reports).</summary>
    public IEnumerable<string> Unconnected => _pipes.Where(p => !p.IsConnected).Select(p => p.Origin);

    /// <summary>Create a source pipe whose packets a host-side node injects.</summary>
    public Pipe Source(Action<Node> attach, string origin) => new(this, attach, origin);
}
