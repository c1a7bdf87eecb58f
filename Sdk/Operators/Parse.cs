namespace Switchboard.Sdk;

/// <summary>A node that drops malformed packets and counts them by <see cref="ParseStatus"/> (for reports).</summary>
internal interface IParseFailures
{
    IReadOnlyList<long> Failures { get; }
}

/// <summary>Parse: push header <typeparamref name="T"/> onto each packet's stack. Packets that do not
/// carry it, or carry it malformed, are dropped and counted by reason.</summary>
internal sealed unsafe class ParseNode<T> : Node, IParseFailures where T : struct, IHeader
{
    private readonly long[] _failures = new long[Enum.GetValues<ParseStatus>().Length];

    /// <summary>Drop counts by <see cref="ParseStatus"/>.</summary>
    public IReadOnlyList<long> Failures => _failures;

    internal override void Process(PacketBatch batch)
    {
        int n = batch.Count, kept = 0;
        _in += n;
        // A pointer walk: no bounds checks, and the count stays in a register.
        fixed (PacketDesc** items = batch.Items)
            for (int i = 0; i < n; i++)
            {
                var d = items[i];
                var status = HeaderParser.Parse(d, T.Kind);
                if (status == ParseStatus.Ok) items[kept++] = d;
                else { _failures[(int)status]++; DropPacket(d); }
            }
        batch.Count = kept;
        Emit(batch);
    }
}

/// <summary>Deparse: pop the top header back into the payload. Popping an IP header also rewinds the
/// stack's IP state (protocol, fragment flags, datagram end) to the enclosing IP header, or clears it
/// (see <see cref="HeaderParser.Deparse"/>), so later parses see the packet as it now stands.</summary>
internal sealed unsafe class DeparseNode : Node
{
    internal override void Process(PacketBatch batch)
    {
        int n = batch.Count;
        _in += n;
        fixed (PacketDesc** items = batch.Items)
            for (int i = 0; i < n; i++) HeaderParser.Deparse(items[i]);
        Emit(batch);
    }
}

public sealed partial class Pipe
{
    /// <summary>Parse header <typeparamref name="T"/> (thesis 3.1.1 parse).</summary>
    public Pipe Parse<T>() where T : struct, IHeader => Then(new ParseNode<T>(), $"parse-{T.Kind.ToString().ToLowerInvariant()}");

    /// <summary>Pop the top header (thesis 3.1.1 deparse).</summary>
    public Pipe Deparse() => Then(new DeparseNode(), "deparse");
}
