using System.Text;

namespace Switchboard.PolicyCheck.Verification;

/// <summary>A packet as the counterexample shows it.</summary>
public sealed record TracePacket(string Source, string Destination, string Origin, string Fields)
{
    public override string ToString() => $"{Source} -> {Destination} (origin {Origin}{(Fields.Length > 0 ? ", " + Fields : "")})";
}

/// <summary>What happened: a send or receive of a packet, an oracle's answer at an NF, state an NF found (and which
/// earlier packet put it there), a node failing or coming back.
/// At equal times events sort in this order.</summary>
public enum TraceEventKind { Failure, Recovery, Send, Receive, Oracle, State }

/// <summary>One event at <see cref="Time"/>. Sends and receives carry the packet; oracle answers, failures and
/// recoveries a <see cref="Detail"/> (and <see cref="From"/> = <see cref="To"/> = the node).</summary>
public sealed record TraceEvent(long Time, TraceEventKind Kind, string From, string To, TracePacket? Packet, string? Detail = null)
{
    public override string ToString() => Kind switch
    {
        TraceEventKind.Send => $"t={Time}: {From} sends {Packet} to {To}",
        TraceEventKind.Receive => $"t={Time}: {To} receives {Packet} from {From}",
        TraceEventKind.Oracle => $"t={Time}: at {To}, oracle {Detail}",
        TraceEventKind.State => $"t={Time}: at {To}, {Detail}",
        _ => $"t={Time}: {Detail}",
    };
}

/// <summary>How the invariant was violated: which nodes failed and the events leading to the violating receive, in time order.</summary>
public sealed record CounterexampleTrace(IReadOnlyList<string> FailedNodes, IReadOnlyList<TraceEvent> Events, string? Note)
{
    /// <summary>Only the packet events (sends and receives).</summary>
    public IEnumerable<TraceEvent> PacketEvents => Events.Where(e => e.Kind is TraceEventKind.Send or TraceEventKind.Receive);

    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append("  failed nodes: ").Append(FailedNodes.Count == 0 ? "none" : string.Join(", ", FailedNodes));
        foreach (var e in Events) sb.Append(Environment.NewLine).Append("  ").Append(e);
        if (Note is not null) sb.Append(Environment.NewLine).Append("  (").Append(Note).Append(')');
        return sb.ToString();
    }

    /// <summary>The trace as a Graphviz digraph: one edge per send, labelled with its time and packet; failed nodes dashed red.</summary>
    public string ToDot()
    {
        static string Id(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        var sb = new StringBuilder("digraph counterexample {\n  rankdir=LR;\n  node [shape=box];\n");
        foreach (var f in FailedNodes) sb.Append("  ").Append(Id(f)).Append(" [style=dashed, color=red, label=").Append(Id(f + " (failed)")).Append("];\n");
        foreach (var e in Events.Where(e => e.Kind == TraceEventKind.Send))
            sb.Append("  ").Append(Id(e.From)).Append(" -> ").Append(Id(e.To))
              .Append(" [label=").Append(Id($"t={e.Time}: {e.Packet!.Source} -> {e.Packet.Destination}")).Append("];\n");
        return sb.Append("}\n").ToString();
    }
}
