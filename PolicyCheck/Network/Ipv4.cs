using System.Globalization;

namespace Switchboard.PolicyCheck.Network;

/// <summary>An IPv4 address (network byte order value).</summary>
public readonly record struct Ipv4Address(uint Value) : IComparable<Ipv4Address>
{
    public int CompareTo(Ipv4Address other) => Value.CompareTo(other.Value);

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Value >> 24}.{(Value >> 16) & 255}.{(Value >> 8) & 255}.{Value & 255}");

    /// <summary>Strict dotted quad: four decimal parts 0..255, no leading zeros.</summary>
    public static bool TryParse(string text, out Ipv4Address address)
    {
        address = default;
        var parts = text.Split('.');
        if (parts.Length != 4) return false;
        uint value = 0;
        foreach (var p in parts)
        {
            if (p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit) || (p.Length > 1 && p[0] == '0')) return false;
            uint b = uint.Parse(p, CultureInfo.InvariantCulture);
            if (b > 255) return false;
            value = (value << 8) | b;
        }
        address = new Ipv4Address(value);
        return true;
    }
}

/// <summary>An IPv4 prefix <c>a.b.c.d/len</c> with no host bits set.</summary>
public readonly record struct Ipv4Prefix(Ipv4Address Network, int Length)
{
    public uint Mask => Length == 0 ? 0u : uint.MaxValue << (32 - Length);

    public bool Contains(Ipv4Address a) => (a.Value & Mask) == Network.Value;

    /// <summary>Number of addresses in the prefix.</summary>
    public ulong Size => 1UL << (32 - Length);

    public override string ToString() => $"{Network}/{Length}";

    /// <summary>Null when <paramref name="text"/> is a valid prefix, else why not.</summary>
    public static string? Problem(string text, out Ipv4Prefix prefix)
    {
        prefix = default;
        int slash = text.IndexOf('/');
        if (slash < 0) return "expected an IPv4 prefix address/length, e.g. 10.0.1.0/24";
        if (!Ipv4Address.TryParse(text[..slash], out var address)) return $"'{text[..slash]}' is not an IPv4 address";
        var lengthText = text[(slash + 1)..];
        if (lengthText.Length is 0 or > 2 || !lengthText.All(char.IsAsciiDigit) || int.Parse(lengthText, CultureInfo.InvariantCulture) > 32)
            return $"prefix length '{lengthText}' must be 0..32";
        int length = int.Parse(lengthText, CultureInfo.InvariantCulture);
        var candidate = new Ipv4Prefix(address, length);
        var canonical = new Ipv4Address(address.Value & candidate.Mask);
        if (canonical != address) return $"host bits are set; did you mean {canonical}/{length}?";
        prefix = candidate;
        return null;
    }
}
