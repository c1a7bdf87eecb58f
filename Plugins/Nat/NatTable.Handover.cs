using System.Buffers.Binary;
using Switchboard.Sdk;

namespace Switchboard.Plugins.Nat;

/// <summary>
/// Hot-replace handover of one core's mappings (format <see cref="StateFormat"/>), so established flows keep
/// their public address and port when the NAT is replaced, even by a build from another load context.
/// Each mapping is written by value with its public address (not its pool index) and its idle age in sweep
/// periods, so a replacement with a changed pool or sweep period keeps what still fits its configuration.
/// Layout (big-endian): count u32, then per mapping: inside address u32, remote address u32, public address u32,
/// inside port u16, remote port u16, public port u16, protocol u8, TCP flags seen u8, idle age u32.
/// </summary>
public sealed partial class NatTable
{
    public const string StateFormat = "switchboard.nat-table/1";
    private const int RecordBytes = 24;

    /// <summary>This core's mappings as bytes.</summary>
    public byte[] ExportState()
    {
        var bytes = new byte[4 + Active * RecordBytes];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)Active);
        int at = 4;
        for (int slot = 0; slot < _maps.Length; slot++)
        {
            ref var m = ref _maps[slot];
            if (!m.InUse) continue;
            var r = span.Slice(at, RecordBytes);
            BinaryPrimitives.WriteUInt32BigEndian(r, m.InsideAddress);
            BinaryPrimitives.WriteUInt32BigEndian(r[4..], m.RemoteAddress);
            BinaryPrimitives.WriteUInt32BigEndian(r[8..], _cfg.Pool[m.PoolIndex]);
            BinaryPrimitives.WriteUInt16BigEndian(r[12..], m.InsidePort);
            BinaryPrimitives.WriteUInt16BigEndian(r[14..], m.RemotePort);
            BinaryPrimitives.WriteUInt16BigEndian(r[16..], m.PublicPort);
            r[18] = m.Protocol;
            r[19] = m.TcpSeen;
            BinaryPrimitives.WriteUInt32BigEndian(r[20..], Epoch - m.LastSeen);
            at += RecordBytes;
        }
        return bytes;
    }

    /// <summary>Take over mappings exported by a predecessor on this core. Mappings whose public address is not
    /// in this pool, whose port is not this core's, or that do not fit the table are skipped (their flows get a
    /// new mapping). Returns how many were restored; throws on malformed input.</summary>
    public int ImportState(ReadOnlySpan<byte> state)
    {
        if (state.Length < 4) throw new FormatException("NAT state: too short");
        int count = (int)BinaryPrimitives.ReadUInt32BigEndian(state);
        if (count < 0 || state.Length != 4 + (long)count * RecordBytes) throw new FormatException($"NAT state: {state.Length} bytes do not hold {count} mappings");
        int restored = 0;
        for (int i = 0; i < count; i++)
        {
            var r = state.Slice(4 + i * RecordBytes, RecordBytes);
            uint inside = BinaryPrimitives.ReadUInt32BigEndian(r), remote = BinaryPrimitives.ReadUInt32BigEndian(r[4..]);
            uint publicAddress = BinaryPrimitives.ReadUInt32BigEndian(r[8..]);
            ushort insidePort = BinaryPrimitives.ReadUInt16BigEndian(r[12..]), remotePort = BinaryPrimitives.ReadUInt16BigEndian(r[14..]);
            ushort publicPort = BinaryPrimitives.ReadUInt16BigEndian(r[16..]);
            byte proto = r[18], tcpSeen = r[19];
            uint age = BinaryPrimitives.ReadUInt32BigEndian(r[20..]);
            if (Restore(proto, inside, insidePort, remote, remotePort, publicAddress, publicPort, tcpSeen, age)) restored++;
        }
        return restored;
    }

    private bool Restore(byte proto, uint inside, ushort insidePort, uint remote, ushort remotePort, uint publicAddress, ushort publicPort, byte tcpSeen, uint age)
    {
        if (_freeCount == 0 || !_cfg.PoolIndex.TryGetValue(publicAddress, out int pool)) return false;
        var key = new OutKey(proto, inside, insidePort, remote, remotePort);
        if (_out.Find(key) >= 0) return false;
        ref var block = ref _blocks[pool * 3 + ProtoIndex(proto)];
        block ??= new PortBlock(_ports.First(_core), _ports.Count(_core));
        int slot = _free[_freeCount - 1];
        if (!block.TryTake(publicPort, slot)) return false;
        _freeCount--;
        _maps[slot] = new Mapping
        {
            InsideAddress = inside, InsidePort = insidePort, RemoteAddress = remote, RemotePort = remotePort,
            PublicPort = publicPort, Protocol = proto, PoolIndex = pool, InUse = true, TcpSeen = tcpSeen,
            LastSeen = Epoch - age, // unsigned: the timeout check (now - LastSeen) sees the same idle age
        };
        _out.Add(key, slot);
        return true;
    }
}
