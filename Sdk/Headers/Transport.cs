using System.Runtime.InteropServices;

namespace Switchboard.Sdk;

/// <summary>TCP header (20 bytes fixed; options follow up to <see cref="HeaderLength"/>).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct Tcp : IHeader
{
    public const int MinSize = 20;
    public const byte Fin = 0x01, Syn = 0x02, Rst = 0x04, Psh = 0x08, Ack = 0x10, Urg = 0x20, Ece = 0x40, Cwr = 0x80;

    private ushort _srcPort, _dstPort;
    private uint _seq, _ack;
    private byte _dataOffset;
    public byte Flags;
    private ushort _window, _checksum, _urgent;

    static HeaderKind IHeader.Kind => HeaderKind.Tcp;

    public ushort SourcePort { readonly get => NetOrder.U16(_srcPort); set => _srcPort = NetOrder.U16(value); }
    public ushort DestinationPort { readonly get => NetOrder.U16(_dstPort); set => _dstPort = NetOrder.U16(value); }
    public uint SequenceNumber { readonly get => NetOrder.U32(_seq); set => _seq = NetOrder.U32(value); }
    public uint AckNumber { readonly get => NetOrder.U32(_ack); set => _ack = NetOrder.U32(value); }
    /// <summary>Header length in bytes (data offset × 4).</summary>
    public readonly int HeaderLength => (_dataOffset >> 4) * 4;
    public void SetHeaderLength(int bytes) => _dataOffset = (byte)((bytes / 4) << 4);
    public ushort Window { readonly get => NetOrder.U16(_window); set => _window = NetOrder.U16(value); }
    public ushort Checksum { readonly get => NetOrder.U16(_checksum); set => _checksum = NetOrder.U16(value); }
    public ushort UrgentPointer { readonly get => NetOrder.U16(_urgent); set => _urgent = NetOrder.U16(value); }
    public readonly bool HasFlag(byte flag) => (Flags & flag) != 0;
}

/// <summary>UDP header (8 bytes).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct Udp : IHeader
{
    public const int Size = 8;
    private ushort _srcPort, _dstPort, _length, _checksum;

    static HeaderKind IHeader.Kind => HeaderKind.Udp;

    public ushort SourcePort { readonly get => NetOrder.U16(_srcPort); set => _srcPort = NetOrder.U16(value); }
    public ushort DestinationPort { readonly get => NetOrder.U16(_dstPort); set => _dstPort = NetOrder.U16(value); }
    public ushort Length { readonly get => NetOrder.U16(_length); set => _length = NetOrder.U16(value); }
    public ushort Checksum { readonly get => NetOrder.U16(_checksum); set => _checksum = NetOrder.U16(value); }
}

/// <summary>ICMP / ICMPv6 header: type, code, checksum and the 4-byte rest-of-header.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct Icmp : IHeader
{
    public const int Size = 8;
    public const byte EchoReply = 0, DestinationUnreachable = 3, EchoRequest = 8, TimeExceeded = 11;
    public const byte V6EchoRequest = 128, V6EchoReply = 129;

    public byte Type;
    public byte Code;
    private ushort _checksum;
    private ushort _id, _seq;

    static HeaderKind IHeader.Kind => HeaderKind.Icmp;

    public ushort Checksum { readonly get => NetOrder.U16(_checksum); set => _checksum = NetOrder.U16(value); }
    /// <summary>Echo identifier (first half of rest-of-header).</summary>
    public ushort Identifier { readonly get => NetOrder.U16(_id); set => _id = NetOrder.U16(value); }
    public ushort SequenceNumber { readonly get => NetOrder.U16(_seq); set => _seq = NetOrder.U16(value); }
}

/// <summary>Marker for parsing ICMPv6 (the layout is <see cref="Icmp"/>'s).</summary>
public struct Icmpv6 : IHeader
{
    static HeaderKind IHeader.Kind => HeaderKind.Icmpv6;
}
