using Switchboard.Sdk.Runtime;

namespace Switchboard.Sdk.Tests.Support;

/// <summary>Packets for tests, in real pool buffers, built from bytes.</summary>
internal static unsafe class TestPool
{
    /// <summary>One pool for the whole test run (pools are process-wide resources).</summary>
    public static readonly NativePool Pool = new("tests", 16384, maxWorkers: 8);

    public static PacketDesc* Make(ReadOnlySpan<byte> frame, ushort port = 0)
    {
        PacketDesc* d;
        if (Pool.AllocBulk(&d, 1) != 1) throw new InvalidOperationException("test pool exhausted (a test leaks packets)");
        d->ResetForReceive(NativePool.DefaultHeadroom, frame.Length, port);
        frame.CopyTo(new Span<byte>(d->Data, frame.Length));
        return d;
    }

    public static void Free(PacketDesc* d) => BufferPools.FreeBulk(&d, 1);
}
