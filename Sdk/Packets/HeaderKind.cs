namespace Switchboard.Sdk;

/// <summary>The protocol headers the Sdk can parse onto a packet's header stack.</summary>
public enum HeaderKind : byte
{
    None = 0,
    Ethernet = 1,
    Ipv4 = 2,
    Ipv6 = 3,
    Tcp = 4,
    Udp = 5,
    Icmp = 6,
    Icmpv6 = 7,
}

/// <summary>Why a parse failed. <see cref="Ok"/> is success; <see cref="NotThisProtocol"/> means the
/// packet is well formed but carries something else (e.g. IPv6 where IPv4 was asked for).</summary>
public enum ParseStatus : byte
{
    Ok = 0,
    NotThisProtocol,
    Truncated,
    BadVersion,
    BadHeaderLength,
    BadTotalLength,
    BadExtensionHeader,
    StackFull,
    Fragment,
}
