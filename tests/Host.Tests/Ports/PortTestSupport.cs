using Switchboard.Host.Ports;
using Switchboard.Sdk;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Tests.Ports;

/// <summary>Driving ports from tests: receive into byte arrays, send byte arrays, build frames.</summary>
internal static unsafe class PortTestSupport
{
    public const int Batch = 32;

    /// <summary>Receive from one queue until it returns nothing (or <paramref name="limit"/> packets), copying
    /// each frame out and freeing the buffer. Also checks the descriptor contract.</summary>
    public static List<byte[]> Drain(IPort port, int queue, int limit = int.MaxValue, ushort expectedPort = ushort.MaxValue)
    {
        var frames = new List<byte[]>();
        var descs = stackalloc PacketDesc*[Batch];
        while (frames.Count < limit)
        {
            int n = port.Receive(queue, descs, Math.Min(Batch, limit - frames.Count));
            if (n == 0) break;
            for (int i = 0; i < n; i++)
            {
                var d = descs[i];
                Assert.That(d->Headers.Depth, Is.Zero, "received packets have an empty header stack");
                if (expectedPort != ushort.MaxValue) Assert.That(d->InputPort, Is.EqualTo(expectedPort));
                frames.Add(new ReadOnlySpan<byte>(d->Data, d->Length).ToArray());
            }
            BufferPools.FreeBulk(descs, n);
        }
        return frames;
    }

    /// <summary>Copy frames into pool buffers and send them on one queue, a batch at a time.</summary>
    public static int Send(IPort port, NativePool pool, int queue, IReadOnlyList<byte[]> frames)
    {
        var descs = stackalloc PacketDesc*[Batch];
        int sent = 0;
        for (int start = 0; start < frames.Count; start += Batch)
        {
            int n = Math.Min(Batch, frames.Count - start);
            Assert.That(pool.AllocBulk(descs, n), Is.EqualTo(n), "test pool too small");
            for (int i = 0; i < n; i++)
            {
                var f = frames[start + i];
                descs[i]->ResetForReceive(pool.Headroom, f.Length, 0);
                f.CopyTo(new Span<byte>(descs[i]->Data, f.Length));
            }
            sent += port.Send(queue, descs, n);
        }
        return sent;
    }

    public static byte[] Udp(uint src, uint dst, ushort sport, ushort dport, int frameSize = 0, byte fill = 0)
    {
        var buf = new byte[2048];
        var payload = new byte[Math.Max(0, frameSize - 42)];
        Array.Fill(payload, fill);
        int n = FrameBuilder.Ipv4Udp(buf, src, dst, sport, dport, payload);
        return buf[..n];
    }

    public static byte[] Tcp(uint src, uint dst, ushort sport, ushort dport, int frameSize = 0)
    {
        var buf = new byte[2048];
        int n = FrameBuilder.Ipv4Tcp(buf, src, dst, sport, dport, 1, 0, Sdk.Tcp.Ack, [], frameSize);
        return buf[..n];
    }

    /// <summary>A 60-byte ARP-typed frame: no IP header, so RSS sends it to queue 0.</summary>
    public static byte[] Arp(byte tag)
    {
        var f = new byte[60];
        FrameBuilder.WriteEthernet(f, Ethernet.TypeArp);
        f[20] = tag;
        return f;
    }

    /// <summary>The flow key of a frame as the pipeline would compute it after parsing.</summary>
    public static FlowKey? KeyOf(byte[] frame) => RssQueue.TryGetFlowKey(frame, out var k) ? k : null;

    /// <summary>Frames as hex strings (fast to compare, readable in failure messages).</summary>
    public static List<string> Hex(IEnumerable<byte[]> frames) => frames.Select(Convert.ToHexString).ToList();

    /// <summary>Frames as a sorted list of hex strings: equal lists mean the same multiset of frames.</summary>
    public static List<string> SortedHex(IEnumerable<byte[]> frames) => frames.Select(Convert.ToHexString).Order(StringComparer.Ordinal).ToList();

    public static string TempPath(string ext) => Path.Combine(Path.GetTempPath(), $"sb-ports-{Guid.NewGuid():N}.{ext}");
}
