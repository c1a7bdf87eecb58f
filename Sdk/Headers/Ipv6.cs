using System.Runtime.InteropServices;

namespace Switchboard.Sdk;

/// <summary>IPv6 fixed header (40 bytes). The parsed header's length includes any extension headers
/// (hop-by-hop, routing, fragment, destination options, authentication, mobility, HIP, shim6);
/// <see cref="Packet.IpProtocol"/> gives the protocol that follows them. ESP is not skipped: it is the
/// upper-layer protocol. After a non-first fragment's header nothing more is parsed.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct Ipv6 : IHeader
{
    public const int Size = 40;
    /// <summary>Extension header numbers (RFC 8200 §4, RFC 4302) that the parser skips.</summary>
    public const byte ExtHopByHop = 0, ExtRouting = 43, ExtFragment = 44, ExtAuthentication = 51, ExtDestinationOptions = 60, NoNextHeader = 59;

    private uint _vtcFlow;
    private ushort _payloadLength;
    public byte NextHeader;
    public byte HopLimit;
    public Ipv6Address Source;
    public Ipv6Address Destination;

    static HeaderKind IHeader.Kind => HeaderKind.Ipv6;

    public readonly int Version => (int)(NetOrder.U32(_vtcFlow) >> 28);
    public readonly uint FlowLabel => NetOrder.U32(_vtcFlow) & 0xFFFFF;
    /// <summary>Traffic class (DSCP and ECN).</summary>
    public readonly byte TrafficClass => (byte)(NetOrder.U32(_vtcFlow) >> 20);
    public ushort PayloadLength { readonly get => NetOrder.U16(_payloadLength); set => _payloadLength = NetOrder.U16(value); }

    public void SetVersionClassFlow(byte trafficClass, uint flowLabel) =>
        _vtcFlow = NetOrder.U32((6u << 28) | ((uint)trafficClass << 20) | (flowLabel & 0xFFFFF));
}

/// <summary>A 128-bit IPv6 address in wire order.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1, Size = 16)]
public struct Ipv6Address : IEquatable<Ipv6Address>
{
    private ulong _hi, _lo;

    public static Ipv6Address Parse(string s) =>
        MemoryMarshal.Read<Ipv6Address>(System.Net.IPAddress.Parse(s).GetAddressBytes());

    public readonly bool Equals(Ipv6Address o) => _hi == o._hi && _lo == o._lo;
    public override readonly bool Equals(object? obj) => obj is Ipv6Address a && Equals(a);
    public override readonly int GetHashCode() => HashCode.Combine(_hi, _lo);
    /// <summary>The address whose <see cref="High"/> and <see cref="Low"/> halves these are.</summary>
    internal static Ipv6Address FromHalves(ulong high, ulong low) => new() { _hi = NetOrder.U64(high), _lo = NetOrder.U64(low) };

    /// <summary>The first 64 bits as a host-order integer.</summary>
    public readonly ulong High => NetOrder.U64(_hi);
    /// <summary>The last 64 bits as a host-order integer.</summary>
    public readonly ulong Low => NetOrder.U64(_lo);

    public override readonly string ToString()
    {
        Span<byte> b = stackalloc byte[16];
        MemoryMarshal.Write(b, in this);
        return new System.Net.IPAddress(b).ToString();
    }
}
