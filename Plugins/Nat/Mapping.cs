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
internal readonly struct OutKey(byte protocol, uint inside, ushort insidePort, uint remote, ushort remotePort)
{
    private readonly uint _inside = inside, _remote = remote;
    private readonly ushort _insidePort = insidePort, _remotePort = remotePort;
    private readonly byte _protocol = protocol;

    /// <summary>A well-mixed 32-bit hash (its low bits pick the index slot).</summary>
    public uint Hash
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            ulong a = (ulong)_inside << 32 | _remote;
            ulong b = (ulong)_protocol << 32 | (uint)_insidePort << 16 | _remotePort;
            ulong x = (a ^ (b * 0x9E3779B97F4A7C15UL)) * 0xBF58476D1CE4E5B9UL;
            return (uint)(x >> 32) ^ (uint)x;
        }
    }

    /// <summary>Whether <paramref name="m"/> is this connection's mapping.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Matches(in Mapping m) => m.InsideAddress == _inside && m.RemoteAddress == _remote
        && m.InsidePort == _insidePort && m.RemotePort == _remotePort && m.Protocol == _protocol;
}
