using Switchboard.Bench;
using Switchboard.Bench.HandWritten;
using Switchboard.Host.Ports.Dpdk;
using Switchboard.Host.Tests.Config;
using Switchboard.Host.Tests.Runtime;
using Switchboard.Sdk;

namespace Switchboard.Host.Tests.Dpdk;

/// <summary>
/// The C twins' code ported to C# (bench/HandWritten, measured by <c>bench native</c> to split each row's gap between
/// the compiler and Switchboard) writes the same frames as the C# NF, so it does the same work as both: frames are
/// copied into mbufs of a real DPDK pool, run through the port in bursts of 32, and compared byte for byte.
/// </summary>
public sealed unsafe class HandWrittenTwinTests
{
    [TestCase("ttl"), TestCase("monitor"), TestCase("maglev"), TestCase("nat (snat)")]
    public void HandWrittenPort_WritesTheSameFrames_AsTheCSharpNf(string name)
    {
        using var dir = new TempDir();
        string pcap = Path.Combine(dir.Path, "in.pcap");
        NativeTwins.WritePcap(pcap, rounds: 2);
        var twin = NativeTwinTests.Named(name, dir.Path);
        var input = RuntimeHarness.ReadPcap(pcap);
        if (name == "ttl") input.AddRange(TwinFrames.TtlEdges()); // drops, tags and refusals as well
        if (name == "nat (snat)") input.AddRange(TwinFrames.NatPortExhaustion());
        RuntimeHarness.WritePcap(pcap, input);

        var expected = NativeTwinTests.CSharpOutput(dir.Path, twin);
        var actual = HandWrittenOutput(HandWrittenNfs.Of(twin.CNf)!.Value, input);
        Assert.That(actual, Has.Count.EqualTo(expected.Count));
        Assert.That(actual.Select(Convert.ToHexString), Is.EqualTo(expected.Select(Convert.ToHexString)));
    }

    /// <summary>Run the port over the frames in mbufs, in bursts of 32 as the bench does; what it drops it frees.</summary>
    private static List<byte[]> HandWrittenOutput(HandWrittenNfs.Kind kind, List<byte[]> frames)
    {
        using var pool = new DpdkPool(4096, 0);
        int inUse = pool.InUse;
        var output = new List<byte[]>();
        var burst = stackalloc PacketDesc*[32];
        HandWrittenNfs.Init(kind);
        try
        {
            for (int start = 0; start < frames.Count; start += 32)
            {
                int n = Math.Min(32, frames.Count - start);
                Assert.That(pool.AllocBulk(burst, n), Is.EqualTo(n));
                for (int i = 0; i < n; i++)
                {
                    var d = burst[i];
                    d->ResetForReceive(d->DataOffset, frames[start + i].Length, 0);
                    frames[start + i].CopyTo(new Span<byte>(d->Data, d->Length));
                }
                int kept = HandWrittenNfs.Chain(kind, (nint*)burst, n, 1);
                for (int i = 0; i < kept; i++) output.Add(new Span<byte>(burst[i]->Data, burst[i]->Length).ToArray());
                pool.FreeBulk(burst, kept);
            }
        }
        finally { HandWrittenNfs.Free(kind); }
        Assert.That(pool.InUse, Is.EqualTo(inUse), "every mbuf the port dropped was freed");
        return output;
    }
}
