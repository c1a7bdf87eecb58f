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
            ushort before = (ushort)(ip.Ttl << 8 | ip.Protocol);
            ip.Ttl--;
            ip.Checksum = Checksum.Update(ip.Checksum, before, (ushort)(ip.Ttl << 8 | ip.Protocol));
        })
        .Filter(p => p.Ipv4.Ttl != 0);
}
