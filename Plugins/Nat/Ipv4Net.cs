using System.Globalization;
using Switchboard.Sdk;

namespace Switchboard.Plugins.Nat;

/// <summary>An IPv4 prefix (host-order address and mask).</summary>
public readonly record struct Ipv4Net(uint Network, uint Mask)
{
    public bool Contains(uint address) => (address & Mask) == Network;

    public int PrefixLength => System.Numerics.BitOperations.PopCount(Mask);

    /// <summary>Parse <c>a.b.c.d</c> (a /32) or <c>a.b.c.d/len</c>; null on error with the reason.</summary>
    public static Ipv4Net? TryParse(string text, out string? problem)
    {
        problem = null;
        int slash = text.IndexOf('/');
        string addr = slash < 0 ? text : text[..slash];
        if (!TryParseAddress(addr, out uint a)) { problem = $"'{addr}' is not an IPv4 address"; return null; }
        int len = 32;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out len) || len > 32))
        {
            problem = $"prefix length '{text[(slash + 1)..]}' must be 0..32";
            return null;
        }
        uint mask = len == 0 ? 0 : uint.MaxValue << (32 - len);
        if ((a & mask) != a) { problem = $"host bits are set; did you mean {Ipv4.Format(a & mask)}/{len}?"; return null; }
        return new Ipv4Net(a, mask);
    }

    /// <summary>Strict dotted-quad parse (no shorthand forms).</summary>
    public static bool TryParseAddress(string text, out uint address)
    {
        address = 0;
        var parts = text.Split('.');
        if (parts.Length != 4) return false;
        foreach (var part in parts)
        {
            if (part.Length is 0 or > 3 || !byte.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out byte b)) return false;
            address = address << 8 | b;
        }
        return true;
    }

    public override string ToString() => $"{Ipv4.Format(Network)}/{PrefixLength}";
}
