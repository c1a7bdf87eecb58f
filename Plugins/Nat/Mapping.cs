using System.Runtime.CompilerServices;

namespace Switchboard.Plugins.Nat;

/// <summary>One translated connection (a conntrack entry): inside endpoint, remote endpoint, public port.</summary>
internal struct Mapping
{
    public uint InsideAddress, RemoteAddress;
    public ushort InsidePort, RemotePort, PublicPort;
    public byte Protocol;
    public byte TcpSeen;
    public bool InUse;
    public int PoolIndex;
    public uint LastSeen;

    // TcpSeen bits: which side sent SYN / FIN, and whether a RST went by (for the idle timeout).
    public const byte SynOut = 1, SynIn = 2, FinOut = 4, FinIn = 8, Rst = 16;

    public readonly bool TcpEstablished => (TcpSeen & (SynOut | SynIn)) == (SynOut | SynIn)
        && (TcpSeen & Rst) == 0 && (TcpSeen & (FinOut | FinIn)) != (FinOut | FinIn);
}

/// <summary>Lookup key of the outbound direction: (protocol, inside address:port, remote address:port).
/// ICMP echo uses the identifier as the inside port and 0 as the remote port.</summary>
internal readonly struct OutKey(byte protocol, uint inside, ushort insidePort, uint remote, ushort remotePort) : IEquatable<OutKey>
{
    private readonly ulong _a = (ulong)inside << 32 | remote;
    private readonly ulong _b = (ulong)protocol << 32 | (uint)insidePort << 16 | remotePort;

    public bool Equals(OutKey other) => _a == other._a && _b == other._b;
    public override bool Equals(object? obj) => obj is OutKey k && Equals(k);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override int GetHashCode()
    {
        ulong x = (_a ^ (_b * 0x9E3779B97F4A7C15UL)) * 0xBF58476D1CE4E5B9UL;
        return (int)(x >> 32) ^ (int)x;
    }
}
