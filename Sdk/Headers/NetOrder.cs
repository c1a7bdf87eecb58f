using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Switchboard.Sdk;

/// <summary>Conversions between host order and the network (big-endian) order stored in headers.</summary>
internal static class NetOrder
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort U16(ushort stored) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(stored) : stored;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint U32(uint stored) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(stored) : stored;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong U64(ulong stored) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(stored) : stored;
}
