using Switchboard.Host.Config;
using Switchboard.Sdk;

namespace Switchboard.Host.Ports;

/// <summary>One generated flow: its 5-tuple and the frame size all its packets have.</summary>
internal readonly record struct GeneratedFlow(FlowKey Key, int FrameSize, uint Sequence)
{
    public bool IsTcp => Key.Protocol == Ipv4.ProtoTcp;

    /// <summary>Write this flow's frame into <paramref name="dest"/>; returns its length.</summary>
    public int Build(Span<byte> dest) => IsTcp
        ? FrameBuilder.Ipv4Tcp(dest, Key.SourceIpv4, Key.DestinationIpv4, Key.SourcePort, Key.DestinationPort,
            Sequence, 1, Tcp.Ack, [], FrameSize)
        : FrameBuilder.Ipv4Udp(dest, Key.SourceIpv4, Key.DestinationIpv4, Key.SourcePort, Key.DestinationPort, [], FrameSize);
}

/// <summary>
/// The generator's flow table, a pure function of the spec (seeded), so runs are repeatable: distinct
/// 5-tuples drawn from the source/destination blocks with ephemeral source ports, a TCP share spread
/// evenly through the table, and per-flow frame sizes.
/// </summary>
internal static class GeneratorFlows
{
    public const int MinFrame = 60, MaxFrame = 1514;

    public static GeneratedFlow[] Build(GeneratorPortSpec spec)
    {
        Validate(spec);
        var src = Ipv4Cidr.Parse(spec.SourceNet, $"{spec.Path}.sourceNet");
        var dst = Ipv4Cidr.Parse(spec.DestinationNet, $"{spec.Path}.destinationNet");
        var rng = new Random(spec.Seed);
        var flows = new GeneratedFlow[spec.Flows];
        var seen = new HashSet<FlowKey>(spec.Flows);
        long attempts = 0, maxAttempts = 20L * spec.Flows + 1000;
        for (int i = 0; i < flows.Length; i++)
        {
            // Bresenham-style spread: flow i is TCP when it crosses the next multiple of 1/TcpShare.
            bool tcp = Math.Floor((i + 1) * spec.TcpShare) > Math.Floor(i * spec.TcpShare);
            int size = spec.MinSize == spec.MaxSize ? spec.MinSize : rng.Next(spec.MinSize, spec.MaxSize + 1);
            FlowKey key;
            do
            {
                if (++attempts > maxAttempts)
                    throw new ArgumentException($"{spec.Path}: cannot make {spec.Flows} distinct flows from {spec.SourceNet} to {spec.DestinationNet}.");
                key = FlowKey.Ipv4(src.At((ulong)rng.NextInt64()), dst.At((ulong)rng.NextInt64()),
                    (ushort)rng.Next(1024, 65536), (ushort)rng.Next(1, 65536), tcp ? Ipv4.ProtoTcp : Ipv4.ProtoUdp);
            } while (!seen.Add(key));
            flows[i] = new GeneratedFlow(key, size, (uint)rng.Next());
        }
        return flows;
    }

    private static void Validate(GeneratorPortSpec s)
    {
        if (s.Flows < 1) throw new ArgumentException($"{s.Path}.flows must be at least 1, not {s.Flows}.");
        if (s.MinSize is < MinFrame or > MaxFrame || s.MaxSize is < MinFrame or > MaxFrame || s.MinSize > s.MaxSize)
            throw new ArgumentException($"{s.Path}: frame sizes must satisfy {MinFrame} <= minSize <= maxSize <= {MaxFrame} (got {s.MinSize}..{s.MaxSize}).");
        if (s.TcpShare is < 0 or > 1 || double.IsNaN(s.TcpShare)) throw new ArgumentException($"{s.Path}.tcpShare must be between 0 and 1, not {s.TcpShare}.");
        if (s.RateMpps < 0 || !double.IsFinite(s.RateMpps)) throw new ArgumentException($"{s.Path}.rateMpps must be 0 (unlimited) or positive, not {s.RateMpps}.");
        if (s.Count < 0) throw new ArgumentException($"{s.Path}.count must be 0 (unlimited) or positive, not {s.Count}.");
    }
}
