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
}
