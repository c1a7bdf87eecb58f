using Switchboard.Sdk;

namespace Switchboard.Plugins.Ttl;

/// <summary>Thesis listing 1: decrement the IPv4 TTL and drop packets whose TTL reaches zero.</summary>
[NetworkFunction("ttl", Description = "Decrement IPv4 TTL (checksum updated incrementally), drop at zero")]
public sealed class TtlNf : INetworkFunction
{
    public Pipe Build(Pipe input, NfContext context) => input
        .Parse<Ethernet>()
        .Parse<Ipv4>()
        .Transform<DecrementTtl>()
        .Filter<TtlAlive>();

    private struct DecrementTtl : ITransform
    {
        public void Transform(Packet p)
        {
            ref var ip = ref p.Ipv4;
            byte ttl = ip.Ttl;
            if (ttl == 0) return; // already expired: leave it for the filter (no wrap to 255)
            // TTL is the high byte of the 16-bit word it shares with the protocol (RFC 1624 update).
            ushort before = (ushort)(ttl << 8 | ip.Protocol);
            ip.Ttl = (byte)(ttl - 1);
            ip.Checksum = Checksum.Update(ip.Checksum, before, (ushort)(before - 0x100));
        }
    }

    private struct TtlAlive : IFilter
    {
        public bool Keep(Packet p) => p.Ipv4.Ttl != 0;
    }
}
