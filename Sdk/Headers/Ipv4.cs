using System.Net;
using System.Runtime.InteropServices;

namespace Switchboard.Sdk;

/// <summary>IPv4 header (20 bytes fixed part; options follow when <see cref="HeaderLength"/> &gt; 20).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct Ipv4 : IHeader
{
    public const int MinSize = 20;
    public const byte ProtoIcmp = 1, ProtoIpip = 4, ProtoTcp = 6, ProtoUdp = 17, ProtoIpv6 = 41, ProtoIcmpv6 = 58;

    private byte _versionIhl;
    public byte Tos;
    private ushort _totalLength;
    private ushort _id;
    private ushort _flagsFragment;
    public byte Ttl;
    public byte Protocol;
    private ushort _checksum;
    private uint _src;
    private uint _dst;

    static HeaderKind IHeader.Kind => HeaderKind.Ipv4;

    public readonly int Version => _versionIhl >> 4;
    /// <summary>Header length in bytes (IHL × 4).</summary>
    public readonly int HeaderLength => (_versionIhl & 0xF) * 4;
    public ushort TotalLength { readonly get => NetOrder.U16(_totalLength); set => _totalLength = NetOrder.U16(value); }
    public ushort Identification { readonly get => NetOrder.U16(_id); set => _id = NetOrder.U16(value); }
    public readonly bool DontFragment => (NetOrder.U16(_flagsFragment) & 0x4000) != 0;
    public readonly bool MoreFragments => (NetOrder.U16(_flagsFragment) & 0x2000) != 0;
    /// <summary>Fragment offset in bytes.</summary>
    public readonly int FragmentOffset => (NetOrder.U16(_flagsFragment) & 0x1FFF) * 8;
    /// <summary>True for any fragment (first, middle or last).</summary>
    public readonly bool IsFragment => (NetOrder.U16(_flagsFragment) & 0x3FFF) != 0;
    public ushort Checksum { readonly get => NetOrder.U16(_checksum); set => _checksum = NetOrder.U16(value); }
    /// <summary>Source address as a host-order integer (10.0.0.1 = 0x0A000001).</summary>
    public uint Source { readonly get => NetOrder.U32(_src); set => _src = NetOrder.U32(value); }
    public uint Destination { readonly get => NetOrder.U32(_dst); set => _dst = NetOrder.U32(value); }

    /// <summary>Set version 4 and the header length in bytes (a multiple of 4, 20–60).</summary>
    public void SetVersionAndLength(int headerBytes) => _versionIhl = (byte)(0x40 | (headerBytes / 4));

    public static uint Address(string dotted) => NetOrder.U32(BitConverter.ToUInt32(IPAddress.Parse(dotted).GetAddressBytes()));
    public static string Format(uint address) => $"{address >> 24}.{(address >> 16) & 255}.{(address >> 8) & 255}.{address & 255}";
}
