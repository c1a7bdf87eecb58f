using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Switchboard.Plugins.Nat;

/// <summary>One translated connection (a conntrack entry): inside endpoint, remote endpoint, public port. Sequential:
/// <see cref="OutKey"/> holds the addresses and the ports in the same order.</summary>
[StructLayout(LayoutKind.Sequential)]
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
/// ICMP echo uses the identifier as the inside port and 0 as the remote port. Held as the words a
/// <see cref="Mapping"/> stores them in (addresses at 0, ports at 8), so a compare against a mapping is two
/// wide loads and the protocol, and the key stays in registers.</summary>
internal readonly struct OutKey(byte protocol, uint inside, ushort insidePort, uint remote, ushort remotePort)
{
    private readonly ulong _addresses = (ulong)remote << 32 | inside;
    private readonly uint _ports = (uint)remotePort << 16 | insidePort;
    private readonly byte _protocol = protocol;

    /// <summary>A well-mixed 32-bit hash (its low bits pick the index slot).</summary>
    public uint Hash
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            ulong b = (ulong)_protocol << 32 | _ports;
            ulong x = (_addresses ^ (b * 0x9E3779B97F4A7C15UL)) * 0xBF58476D1CE4E5B9UL;
            return (uint)(x >> 32) ^ (uint)x;
        }
    }

    /// <summary>Whether <paramref name="m"/> is this connection's mapping. Plugins may not reinterpret memory (the host's
    /// verifier refuses <c>Unsafe</c>), so the words are composed from the fields; the key's side stays in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Matches(in Mapping m) =>
        ((ulong)m.RemoteAddress << 32 | m.InsideAddress) == _addresses
        && ((uint)m.RemotePort << 16 | m.InsidePort) == _ports && m.Protocol == _protocol;
}
