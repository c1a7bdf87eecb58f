using System.Runtime.InteropServices;

namespace Switchboard.Sdk;

/// <summary>Ethernet II header (14 bytes). VLAN tags, when present, follow it and are part of the
/// parsed header's length; <see cref="Packet.EtherType"/> gives the type after the tags.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct Ethernet : IHeader
{
    public const int Size = 14;
    public const ushort TypeIpv4 = 0x0800, TypeIpv6 = 0x86DD, TypeArp = 0x0806, TypeVlan = 0x8100, TypeQinQ = 0x88A8;

    public MacAddress Destination;
    public MacAddress Source;
    private ushort _etherType;

    static HeaderKind IHeader.Kind => HeaderKind.Ethernet;

    /// <summary>The EtherType in the base header (0x8100 when a VLAN tag follows).</summary>
    public ushort EtherType { readonly get => NetOrder.U16(_etherType); set => _etherType = NetOrder.U16(value); }
}

/// <summary>A 48-bit MAC address stored in wire order.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1, Size = 6)]
public struct MacAddress : IEquatable<MacAddress>
{
    private ushort _a; private uint _b;

    public static MacAddress Parse(string s)
    {
        var parts = s.Split(':', '-');
        if (parts.Length != 6) throw new FormatException($"'{s}' is not a MAC address (expected six hex bytes).");
        Span<byte> b = stackalloc byte[6];
        for (int i = 0; i < 6; i++) b[i] = Convert.ToByte(parts[i], 16);
        return MemoryMarshal.Read<MacAddress>(b);
    }

    public readonly bool Equals(MacAddress other) => _a == other._a && _b == other._b;
    public override readonly bool Equals(object? obj) => obj is MacAddress m && Equals(m);
    public override readonly int GetHashCode() => HashCode.Combine(_a, _b);

    public override readonly string ToString()
    {
        Span<byte> b = stackalloc byte[6];
        MemoryMarshal.Write(b, in this);
        return $"{b[0]:x2}:{b[1]:x2}:{b[2]:x2}:{b[3]:x2}:{b[4]:x2}:{b[5]:x2}";
    }
}
