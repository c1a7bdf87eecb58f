namespace Switchboard.Sdk;

/// <summary>Parse: push header <typeparamref name="T"/> onto each packet's stack. Packets that do not
/// carry it, or carry it malformed, are dropped and counted by reason.</summary>
internal sealed unsafe class ParseNode<T> : Node where T : struct, IHeader
{
    private readonly long[] _failures = new long[Enum.GetValues<ParseStatus>().Length];

    /// <summary>Drop counts by <see cref="ParseStatus"/>.</summary>
    public IReadOnlyList<long> Failures => _failures;

    internal override void Process(PacketBatch batch)
    {
        _in += batch.Count;
        var items = batch.Items;
        int kept = 0;
        for (int i = 0; i < batch.Count; i++)
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
/// stack's IP state (protocol, fragment flags, datagram end) to the enclosing IP header, or clears it,
/// so later parses and <see cref="Packet.IpProtocol"/> see the packet as it now stands.</summary>
internal sealed unsafe class DeparseNode : Node
{
    internal override void Process(PacketBatch batch)
    {
        _in += batch.Count;
        var items = batch.Items;
        int kept = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            var d = items[i];
            if (Deparse(d)) items[kept++] = d;
            else DropPacket(d);
        }
        batch.Count = kept;
        Emit(batch);
    }

    /// <summary>Pop the top header; false if the remaining stack no longer parses (bytes were rewritten).</summary>
    internal static bool Deparse(PacketDesc* d)
    {
        ref var h = ref d->Headers;
        var popped = HeaderParser.Deparse(d);
        if (popped is not (HeaderKind.Ipv4 or HeaderKind.Ipv6)) return true;
        bool outerIp = false;
        for (int i = 0; i < h.Depth; i++) outerIp |= h.Kinds[i] is (byte)HeaderKind.Ipv4 or (byte)HeaderKind.Ipv6;
        if (!outerIp)
        {
            h.IpProtocol = 0;
            h.Fragment = h.NonFirstFragment = false;
            h.NetworkEnd = 0;
            return true;
        }
        // Tunnels (IP in IP) are rare: rebuild the IP state by parsing the remaining stack again.
        int depth = h.Depth;
        var kinds = stackalloc HeaderKind[PacketDesc.MaxHeaders];
        for (int i = 0; i < depth; i++) kinds[i] = (HeaderKind)h.Kinds[i];
        h.Clear();
        for (int i = 0; i < depth; i++)
            if (HeaderParser.Parse(d, kinds[i]) != ParseStatus.Ok) return false;
        return true;
    }
}

public sealed partial class Pipe
{
    /// <summary>Parse header <typeparamref name="T"/> (thesis 3.1.1 parse).</summary>
    public Pipe Parse<T>() where T : struct, IHeader => Then(new ParseNode<T>(), $"parse-{T.Kind.ToString().ToLowerInvariant()}");

    /// <summary>Pop the top header (thesis 3.1.1 deparse).</summary>
    public Pipe Deparse() => Then(new DeparseNode(), "deparse");
}
