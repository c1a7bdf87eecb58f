using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Switchboard.Sdk;

/// <summary>Internet checksum (RFC 1071) and its incremental update (RFC 1624).</summary>
public static class Checksum
{
    /// <summary>Ones'-complement sum of <paramref name="data"/> added to <paramref name="initial"/>, not folded or inverted.</summary>
    public static uint Sum(ReadOnlySpan<byte> data, uint initial = 0)
    {
        ulong sum = initial;
        int i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            ulong w = BinaryPrimitives.ReadUInt64BigEndian(data[i..]);
            sum += (w >> 48) + ((w >> 32) & 0xFFFF) + ((w >> 16) & 0xFFFF) + (w & 0xFFFF);
        }
        for (; i + 2 <= data.Length; i += 2) sum += (uint)(data[i] << 8 | data[i + 1]);
        if (i < data.Length) sum += (uint)(data[i] << 8);
        while (sum >> 32 != 0) sum = (sum & 0xFFFFFFFF) + (sum >> 32);
        return (uint)sum;
    }

    /// <summary>Fold a 32-bit sum to 16 bits and complement it: the value to store in a header.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Fold(uint sum)
    {
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>The checksum of <paramref name="data"/> (with its checksum field zeroed by the caller).</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => Fold(Sum(data));

    /// <summary>IPv4 pseudo-header sum for TCP/UDP checksums.</summary>
    public static uint PseudoHeaderV4(uint source, uint destination, byte protocol, int length) =>
        (source >> 16) + (source & 0xFFFF) + (destination >> 16) + (destination & 0xFFFF) + protocol + (uint)length;

    /// <summary>IPv6 pseudo-header sum (RFC 8200 §8.1).</summary>
    public static uint PseudoHeaderV6(Ipv6Address source, Ipv6Address destination, byte nextHeader, int length)
    {
        Span<byte> buf = stackalloc byte[32];
        BinaryPrimitives.WriteUInt64BigEndian(buf, source.High);
        BinaryPrimitives.WriteUInt64BigEndian(buf[8..], source.Low);
        BinaryPrimitives.WriteUInt64BigEndian(buf[16..], destination.High);
        BinaryPrimitives.WriteUInt64BigEndian(buf[24..], destination.Low);
        return Sum(buf, (uint)length + nextHeader);
    }

    /// <summary>RFC 1624 eqn. 3: the new checksum after a 16-bit field changed from <paramref name="oldValue"/> to <paramref name="newValue"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Update(ushort checksum, ushort oldValue, ushort newValue)
    {
        // 16-bit complements as xors on the zero-extended values: no re-extension after each step.
        uint sum = (checksum ^ 0xFFFFu) + (oldValue ^ 0xFFFFu) + newValue;
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)(sum ^ 0xFFFF);
    }

    /// <summary>
    /// Incremental update after one byte changed. <paramref name="offset"/> is the byte's offset from the
    /// start of the checksummed data (or any even-aligned point): an even offset is the high half of its
    /// 16-bit word, an odd offset the low half (e.g. IPv4 TTL is at offset 8, protocol at 9).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort UpdateByte(ushort checksum, int offset, byte oldValue, byte newValue) =>
        (offset & 1) == 0 ? Update(checksum, (ushort)(oldValue << 8), (ushort)(newValue << 8)) : Update(checksum, (ushort)oldValue, (ushort)newValue);

    /// <summary>Incremental update for a 32-bit field (an IPv4 address).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Update(ushort checksum, uint oldValue, uint newValue) =>
        Update(Update(checksum, (ushort)(oldValue >> 16), (ushort)(newValue >> 16)), (ushort)oldValue, (ushort)newValue);
}
