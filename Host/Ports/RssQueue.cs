using Switchboard.Sdk;

namespace Switchboard.Host.Ports;

/// <summary>
/// Which receive queue a frame belongs to, the way a NIC's RSS spreads flows: the Sdk flow hash
/// (<see cref="FlowKey.Hash"/> of the parsed 5-tuple) modulo the queue count, so every packet of a flow
/// lands on the same core. Frames without an IP header go to queue 0.
/// </summary>
internal static unsafe class RssQueue
{
    public static int Of(FlowKey key, int queues) => (int)(key.Hash() % (uint)queues);

    public static int Of(ReadOnlySpan<byte> frame, int queues)
    {
        if (queues == 1) return 0;
        return TryGetFlowKey(frame, out var key) ? Of(key, queues) : 0;
    }

    /// <summary>Parse Ethernet and IPv4/IPv6 on a scratch descriptor pointing at <paramref name="frame"/>
    /// and read its flow key with the same code the pipeline uses.</summary>
    public static bool TryGetFlowKey(ReadOnlySpan<byte> frame, out FlowKey key)
    {
        key = default;
        fixed (byte* bytes = frame)
        {
            PacketDesc scratch = default;
            scratch.Buffer = scratch.Data = bytes;
            scratch.Capacity = frame.Length;
            scratch.ResetForReceive(0, frame.Length, 0);
            var d = &scratch;
            if (HeaderParser.Parse(d, HeaderKind.Ethernet) != ParseStatus.Ok) return false;
            if (HeaderParser.Parse(d, HeaderKind.Ipv4) != ParseStatus.Ok && HeaderParser.Parse(d, HeaderKind.Ipv6) != ParseStatus.Ok)
                return false;
            return FlowKey.TryGet(new Packet(d), out key);
        }
    }
}
