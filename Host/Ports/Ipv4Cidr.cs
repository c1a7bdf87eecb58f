using System.Globalization;

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
        // Strict dotted quad: IPAddress.Parse would also take legacy forms such as "10.0.0" or "10".
        var octets = parts[0].Split('.');
        uint addr = 0;
        if (parts.Length != 2 || octets.Length != 4 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int prefix) || prefix > 32)
            throw Bad(text, where);
        foreach (var o in octets)
        {
            if (!byte.TryParse(o, NumberStyles.None, CultureInfo.InvariantCulture, out byte b)) throw Bad(text, where);
            addr = addr << 8 | b;
        }
        uint mask = prefix == 0 ? 0 : uint.MaxValue << (32 - prefix);
        return new Ipv4Cidr(addr & mask, prefix);
    }

    private static FormatException Bad(string text, string where) => new($"{where}: '{text}' is not an IPv4 CIDR block like 10.0.0.0/16.");
}
