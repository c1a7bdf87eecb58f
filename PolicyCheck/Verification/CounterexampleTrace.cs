using System.Text;

namespace Switchboard.PolicyCheck.Verification;

/// <summary>A packet as the counterexample shows it.</summary>
public sealed record TracePacket(string Source, string Destination, string Origin, string Fields)
{
    public override string ToString() => $"{Source} -> {Destination} (origin {Origin}{(Fields.Length > 0 ? ", " + Fields : "")})";
}

public enum TraceEventKind { Send, Receive }

/// <summary>One event: at <see cref="Time"/>, <see cref="From"/> sent (or <see cref="To"/> received) <see cref="Packet"/>.</summary>
public sealed record TraceEvent(long Time, TraceEventKind Kind, string From, string To, TracePacket Packet)
{
    public override string ToString() => Kind == TraceEventKind.Send
        ? $"t={Time}: {From} sends {Packet} to {To}"
        : $"t={Time}: {To} receives {Packet} from {From}";
}

/// <summary>How the invariant was violated: which nodes had failed and the send/receive events leading to the violating receive.</summary>
public sealed record CounterexampleTrace(IReadOnlyList<string> FailedNodes, IReadOnlyList<TraceEvent> Events, string? Note)
{
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
              .Append(" [label=").Append(Id($"t={e.Time}: {e.Packet.Source} -> {e.Packet.Destination}")).Append("];\n");
        return sb.Append("}\n").ToString();
    }
}
