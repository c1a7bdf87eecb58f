namespace Switchboard.Sdk.Tests.Support;

/// <summary>Common test frames.</summary>
internal static class Frames
{
    public static byte[] Tcp(string src = "10.0.0.1", string dst = "10.0.0.2", ushort sport = 1234, ushort dport = 80,
        uint seq = 1, uint ack = 0, byte flags = Sdk.Tcp.Ack, byte[]? payload = null, byte ttl = 64, int frameSize = 0)
    {
        var buf = new byte[2048];
        int n = FrameBuilder.Ipv4Tcp(buf, Ipv4.Address(src), Ipv4.Address(dst), sport, dport, seq, ack, flags, payload ?? [], frameSize, ttl);
        return buf[..n];
    }

    public static byte[] Udp(string src = "10.0.0.1", string dst = "10.0.0.2", ushort sport = 5000, ushort dport = 53,
        byte[]? payload = null, byte ttl = 64, int frameSize = 0)
    {
        var buf = new byte[2048];
        int n = FrameBuilder.Ipv4Udp(buf, Ipv4.Address(src), Ipv4.Address(dst), sport, dport, payload ?? [], frameSize, ttl);
        return buf[..n];
    }
}
