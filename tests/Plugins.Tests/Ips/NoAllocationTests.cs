using System.Text;
using System.Text.Json;
using Switchboard.Plugins.Ips;
using Switchboard.Sdk;
using Switchboard.Sdk.Tests.Support;
using TcpH = Switchboard.Sdk.Tcp;

namespace Switchboard.Plugins.Tests.Ips;

/// <summary>Scanning established streams and UDP payloads allocates nothing once warm.</summary>
public unsafe class NoAllocationTests
{
    [Test]
    public void Ips_ScansWithoutAllocating()
    {
        var h = new GraphHarness();
        var rules = new[]
        {
            "drop tcp any any -> any any (content:\"EVILPAYLOAD\"; sid:1;)",
            "alert tcp any any -> any any (content:\"passwd\"; nocase; sid:2;)",
            "drop udp any any -> any any (content:\"|de ad|\"; sid:3;)",
        };
        var cfg = new NfConfig(JsonDocument.Parse(JsonSerializer.Serialize(new { rules })).RootElement.Clone(), "$.nfs.ips.config");
        new IpsNf().Build(h.Input, h.NfContext("ips", cfg)).Drop();
        var text = Encoding.ASCII.GetBytes("GET /index.html HTTP/1.1\r\nHost: example\r\n\r\n");
        byte[][] Open() => Enumerable.Range(0, 64).SelectMany(i => new[]
        {
            Frames.Tcp("192.168.1.10", "10.0.0.80", (ushort)(3000 + i), 80, seq: 100, flags: TcpH.Syn),
            Frames.Tcp("10.0.0.80", "192.168.1.10", 80, (ushort)(3000 + i), seq: 500, ack: 101, flags: TcpH.Syn | TcpH.Ack),
            Frames.Tcp("192.168.1.10", "10.0.0.80", (ushort)(3000 + i), 80, seq: 101, ack: 501, payload: text),
        }).ToArray();
        byte[][] More(int round) => Enumerable.Range(0, 64).SelectMany(i => new[]
        {
            Frames.Tcp("192.168.1.10", "10.0.0.80", (ushort)(3000 + i), 80, seq: (uint)(101 + text.Length * round), ack: 501, payload: text),
            Frames.Udp("192.168.1.10", "10.0.0.53", (ushort)(5000 + i), 53, payload: text),
        }).ToArray();
        var entry = h.Entry;
        var batch = new PacketBatch(32);
        void Run(byte[][] frames)
        {
            for (int i = 0; i < frames.Length;)
            {
                while (i < frames.Length && !batch.IsFull) batch.Add(TestPool.Make(frames[i++]));
                entry.Process(batch);
                h.Core.FlushDrops();
            }
        }
        var rounds = Enumerable.Range(1, 6).Select(More).ToArray(); // built before measuring: frame building allocates
        Run(Open());
        Run(rounds[0]);
        Run(rounds[1]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 2; r < rounds.Length; r++) Run(rounds[r]);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero, "4 x 128 packets over warm streams and UDP");
        Assert.That(h.InUseDelta, Is.Zero);
    }
}
