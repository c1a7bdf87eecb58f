using System.Net;
using System.Net.Sockets;

namespace Switchboard.Host.Ports;

/// <summary>An IPv4 block such as 10.0.0.0/16 (host-order network address and prefix length).</summary>
internal readonly record struct Ipv4Cidr(uint Network, int PrefixLength)
{
    /// <summary>Number of addresses in the block (2^(32-prefix)).</summary>
    public ulong Size => 1UL << (32 - PrefixLength);

    /// <summary>The <paramref name="index"/>-th address of the block (index taken modulo the size).</summary>
    public uint At(ulong index) => Network + (uint)(index % Size);

    /// <summary>Parse "a.b.c.d/n"; host bits are cleared. <paramref name="where"/> names the setting in errors.</summary>
    public static Ipv4Cidr Parse(string text, string where)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !IPAddress.TryParse(parts[0], out var ip) || ip.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(parts[1], out int prefix) || prefix is < 0 or > 32)
            throw new FormatException($"{where}: '{text}' is not an IPv4 CIDR block like 10.0.0.0/16.");
        var b = ip.GetAddressBytes();
        uint addr = (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
        uint mask = prefix == 0 ? 0 : uint.MaxValue << (32 - prefix);
        return new Ipv4Cidr(addr & mask, prefix);
    }
}
