namespace Switchboard.Plugins.Ips;

/// <summary>What a rule does when it matches.</summary>
public enum IpsAction : byte
{
    /// <summary>Log and count; traffic passes.</summary>
    Alert,
    /// <summary>Log, count, mark the flow infected and drop it from then on.</summary>
    Drop,
}

/// <summary>Protocol a rule applies to (<c>ip</c> = TCP and UDP payloads).</summary>
public enum IpsProtocol : byte { Ip, Tcp, Udp }

/// <summary>An IPv4 prefix, or any address when <see cref="Length"/> is 0.</summary>
public readonly record struct IpsPrefix(uint Network, int Length)
{
    /// <summary>Matches every address.</summary>
    public static readonly IpsPrefix Any = new(0, 0);

    /// <summary>Whether <paramref name="address"/> (host order) lies in the prefix.</summary>
    public bool Contains(uint address) => Length == 0 || (address ^ Network) >> (32 - Length) == 0;
}

/// <summary>An inclusive port range (0..65535 = any).</summary>
public readonly record struct IpsPorts(ushort Low, ushort High)
{
    /// <summary>Matches every port.</summary>
    public static readonly IpsPorts Any = new(0, 65535);

    /// <summary>Whether <paramref name="port"/> is in the range.</summary>
    public bool Contains(ushort port) => port >= Low && port <= High;
}

/// <summary>
/// One <c>content</c> option with its modifiers (Snort semantics): <see cref="Offset"/>/<see cref="Depth"/>
/// bound the first content from the start of the stream (or UDP payload); <see cref="Distance"/>/<see cref="Within"/>
/// bound a later content relative to the end of the previous one. -1 = not set.
/// </summary>
public sealed record IpsContent(byte[] Pattern, bool NoCase, int Offset, int Depth, int Distance, int Within);

/// <summary>Which stream direction a rule applies to (<c>flow:to_server</c> / <c>to_client</c>).</summary>
public enum IpsFlowDirection : byte { Any, ToServer, ToClient }

/// <summary>A parsed rule (see <see cref="RuleParser"/> for the syntax).</summary>
public sealed record IpsRule(IpsAction Action, IpsProtocol Protocol, IpsPrefix Source, IpsPorts SourcePorts,
    IpsPrefix Destination, IpsPorts DestinationPorts, IReadOnlyList<IpsContent> Contents, IpsFlowDirection Flow,
    int Sid, string Message)
{
    /// <summary>Whether the rule's header (protocol, addresses, ports) matches a packet or stream direction.</summary>
    public bool HeaderMatches(bool tcp, uint src, ushort sport, uint dst, ushort dport) =>
        (Protocol == IpsProtocol.Ip || (Protocol == IpsProtocol.Tcp) == tcp)
        && Source.Contains(src) && SourcePorts.Contains(sport)
        && Destination.Contains(dst) && DestinationPorts.Contains(dport);
}
