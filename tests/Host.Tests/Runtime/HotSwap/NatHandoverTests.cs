using System.Buffers.Binary;
using Switchboard.Host.Runtime;
using Switchboard.Plugins.Nat;
using Switchboard.Sdk;

namespace Switchboard.Host.Tests.Runtime.HotSwap;

/// <summary>A replaced NAT keeps its mappings: established flows keep their public port, replies still find them.</summary>
public class NatHandoverTests
{
    [Test]
    public void ReplacedNat_FlowsKeepTheirPublicPortAndRepliesStillTranslate()
    {
        var d = RuntimeHarness.Load("""
        {
          "cores": 2,
          "ports": { "in": { "type": "generator" }, "out": { "type": "null" } },
          "nfs": { "nat": { "type": "nat", "config": { "insideNets": ["10.0.0.0/8"], "snat": { "addresses": ["203.0.113.1"], "ports": "20000-20999" } } } },
          "chains": [ { "from": "in", "through": ["nat"], "to": "out" } ]
        }
        """);
        ScriptPort input = null!, output = null!;
        using var dp = Dataplane.Build(d, RuntimeHarness.Registry(), _ => { }, (spec, pool) => spec.Name switch
        {
            "in" => input = new ScriptPort("in", 2, pool, 0),
            "out" => output = new ScriptPort("out", 2, pool, 1),
            _ => null,
        });
        dp.Start(pinThreads: false);
        const int flows = 6;
        var before = new Dictionary<int, ushort>();
        for (int i = 0; i < flows; i++) before[i] = SourcePortAfterNat(input, output, Outbound(i));

        var report = dp.ReplaceNf("nat", () => new NatNf());

        var after = new Dictionary<int, ushort>();
        for (int i = flows - 1; i >= 0; i--) after[i] = SourcePortAfterNat(input, output, Outbound(i)); // reverse order: a fresh table would hand out ports differently
        var reply = Translate(input, output, Inbound(before[flows - 1]));
        dp.Stop();
        Assert.That(dp.Failures, Is.Empty);
        dp.Dispose();

        Assert.That(before.Values.Distinct().Count(), Is.EqualTo(flows));
        Assert.That(after, Is.EqualTo(before), "every flow kept its public port across the replace");
        Assert.That(BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(14 + 16)), Is.EqualTo(Ipv4.Address("10.0.0.5")), "reply translated back");
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(14 + 20 + 2)), Is.EqualTo(40000 + flows - 1));
        Assert.That(report.Notes, Has.Some.Contains("switchboard.nat-table/1"));
        Assert.That(report.Retired, Has.All.TypeOf<NatNf>());
        Assert.That(dp.LeakedBuffers, Is.Zero);
    }

    private static byte[] Outbound(int i)
    {
        var buf = new byte[128];
        int n = FrameBuilder.Ipv4Udp(buf, Ipv4.Address("10.0.0.5"), Ipv4.Address("8.8.8.8"), (ushort)(40000 + i), 53, [(byte)i], frameSize: 64);
        return buf[..n];
    }

    private static byte[] Inbound(ushort publicPort)
    {
        var buf = new byte[128];
        int n = FrameBuilder.Ipv4Udp(buf, Ipv4.Address("8.8.8.8"), Ipv4.Address("203.0.113.1"), 53, publicPort, [0xEE], frameSize: 64);
        return buf[..n];
    }

    private static ushort SourcePortAfterNat(ScriptPort input, ScriptPort output, byte[] frame) =>
        BinaryPrimitives.ReadUInt16BigEndian(Translate(input, output, frame).AsSpan(14 + 20));

    /// <summary>Send one frame and wait for what the NAT makes of it.</summary>
    private static byte[] Translate(ScriptPort input, ScriptPort output, byte[] frame)
    {
        input.ToSend.Enqueue(frame);
        byte[]? got = null;
        SeqRig.WaitFor(() => output.Captured.TryDequeue(out got), "the translated frame");
        return got!;
    }
}
