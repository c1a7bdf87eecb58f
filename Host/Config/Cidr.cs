using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Switchboard.Host.Config;

/// <summary>Strict CIDR parsing for generator address pools: dotted-quad IPv4 or IPv6, a prefix length, no host bits.</summary>
internal static class Cidr
{
    /// <summary>Null when valid, else why not (for the error message).</summary>
    public static string? Problem(string text, out AddressFamily family)
    {
        family = AddressFamily.Unspecified;
        int slash = text.IndexOf('/');
        if (slash < 0) return "expected CIDR notation address/prefix, e.g. 10.0.0.0/16";
        string addressText = text[..slash], prefixText = text[(slash + 1)..];
        bool v6 = addressText.Contains(':');
        if (!(v6 ? TryParseV6(addressText, out var address) : TryParseV4(addressText, out address)))
            return $"'{addressText}' is not an {(v6 ? "IPv6" : "IPv4")} address";
        int maxPrefix = v6 ? 128 : 32;
        if (!IsPlainNumber(prefixText) || !int.TryParse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture, out int prefix) || prefix > maxPrefix)
            return $"prefix length '{prefixText}' must be 0..{maxPrefix}";
        var network = Mask(address.GetAddressBytes(), prefix);
        var canonical = new IPAddress(network);
        if (!canonical.Equals(address)) return $"host bits are set; did you mean {canonical}/{prefix}?";
        family = address.AddressFamily;
        return null;
    }

    private static bool TryParseV4(string s, out IPAddress address)
    {
        address = IPAddress.None;
        var parts = s.Split('.');
        if (parts.Length != 4) return false;
        var bytes = new byte[4];
        for (int i = 0; i < 4; i++)
        {
            if (!IsPlainNumber(parts[i]) || !byte.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out bytes[i])) return false;
        }
        address = new IPAddress(bytes);
        return true;
    }

    private static bool TryParseV6(string s, out IPAddress address) =>
        IPAddress.TryParse(s, out address!) && address.AddressFamily == AddressFamily.InterNetworkV6 && !s.Contains('%');

    // Digits only, no leading zero (010 reads as octal in some tools).
    private static bool IsPlainNumber(string s) =>
        s.Length is > 0 and <= 3 && s.All(char.IsAsciiDigit) && (s.Length == 1 || s[0] != '0');

    private static byte[] Mask(byte[] bytes, int prefix)
    {
        var masked = (byte[])bytes.Clone();
        for (int i = 0; i < masked.Length; i++)
        {
            int keep = Math.Clamp(prefix - i * 8, 0, 8);
            masked[i] &= (byte)(0xFF << (8 - keep));
        }
        return masked;
    }
}
