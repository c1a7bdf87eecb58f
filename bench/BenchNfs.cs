using Switchboard.Sdk;

namespace Switchboard.Bench;

/// <summary>Does nothing: the cost of the framework itself (receive, two NF boundaries, send).</summary>
[NetworkFunction("bench-forward", Description = "Forward unchanged (framework overhead)")]
public sealed class ForwardNf : INetworkFunction
{
    public Pipe Build(Pipe input, NfContext context) => input;
}

/// <summary>TTL written with delegates instead of struct UDFs, to measure what the struct form buys.</summary>
[NetworkFunction("bench-ttl-delegate", Description = "TTL with delegate UDFs (comparison)")]
public sealed class DelegateTtlNf : INetworkFunction
{
    public Pipe Build(Pipe input, NfContext context) => input
        .Parse<Ethernet>()
        .Parse<Ipv4>()
        .Transform(p =>
        {
            ref var ip = ref p.Ipv4;
            if (ip.Ttl == 0) return;
            ushort before = (ushort)(ip.Ttl << 8 | ip.Protocol);
            ip.Ttl--;
            ip.Checksum = Checksum.Update(ip.Checksum, before, (ushort)(ip.Ttl << 8 | ip.Protocol));
        })
        .Filter(p => p.Ipv4.Ttl != 0);
}

/// <summary>Parse Ethernet only: the cost of one parse node.</summary>
[NetworkFunction("bench-parse-eth", Description = "Parse Ethernet")]
public sealed class ParseEthNf : INetworkFunction
{
    public Pipe Build(Pipe input, NfContext context) => input.Parse<Ethernet>();
}

/// <summary>Parse Ethernet and IPv4: the parse half of TTL.</summary>
[NetworkFunction("bench-parse-ip", Description = "Parse Ethernet and IPv4")]
public sealed class ParseIpNf : INetworkFunction
{
    public Pipe Build(Pipe input, NfContext context) => input.Parse<Ethernet>().Parse<Ipv4>();
}

/// <summary>A transform that touches one byte, as a struct UDF: isolates the per-packet UDF call.</summary>
[NetworkFunction("bench-touch-struct", Description = "Transform touching one byte (struct UDF)")]
public sealed class TouchStructNf : INetworkFunction
{
    public Pipe Build(Pipe input, NfContext context) => input.Transform<Touch>();

    private struct Touch : ITransform
    {
        public void Transform(Packet p) => p.Data[0] ^= 1;
    }
}

/// <summary>The same transform as a delegate.</summary>
[NetworkFunction("bench-touch-delegate", Description = "Transform touching one byte (delegate UDF)")]
public sealed class TouchDelegateNf : INetworkFunction
{
    public Pipe Build(Pipe input, NfContext context) => input.Transform(p => p.Data[0] ^= 1);
}
