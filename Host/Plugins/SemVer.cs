using System.Text.RegularExpressions;

namespace Switchboard.Host.Plugins;

/// <summary>A semantic version (semver.org 2.0.0), ordered by precedence (build metadata ignored).</summary>
public sealed partial record SemVer(int Major, int Minor, int Patch, string PreRelease, string Build) : IComparable<SemVer>
{
    public static bool TryParse(string text, out SemVer? version)
    {
        version = null;
        var m = Pattern().Match(text);
        if (!m.Success) return false;
        if (!int.TryParse(m.Groups[1].Value, out int major) || !int.TryParse(m.Groups[2].Value, out int minor)
            || !int.TryParse(m.Groups[3].Value, out int patch)) return false;
        version = new SemVer(major, minor, patch, m.Groups[4].Value, m.Groups[5].Value);
        return true;
    }

    public int CompareTo(SemVer? other)
    {
        if (other is null) return 1;
        int c = Major.CompareTo(other.Major);
        if (c == 0) c = Minor.CompareTo(other.Minor);
        if (c == 0) c = Patch.CompareTo(other.Patch);
        if (c != 0) return c;
        // A pre-release sorts before its release; identifiers compare numerically when both are numbers.
        if (PreRelease.Length == 0 || other.PreRelease.Length == 0)
            return PreRelease.Length == other.PreRelease.Length ? 0 : PreRelease.Length == 0 ? 1 : -1;
        var a = PreRelease.Split('.');
        var b = other.PreRelease.Split('.');
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            bool an = long.TryParse(a[i], out long x), bn = long.TryParse(b[i], out long y);
            c = an && bn ? x.CompareTo(y) : an ? -1 : bn ? 1 : string.CompareOrdinal(a[i], b[i]);
            if (c != 0) return c;
        }
        return a.Length.CompareTo(b.Length);
    }

    public override string ToString() =>
        $"{Major}.{Minor}.{Patch}{(PreRelease.Length > 0 ? "-" + PreRelease : "")}{(Build.Length > 0 ? "+" + Build : "")}";

    // The regular expression semver.org recommends.
    [GeneratedRegex(@"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?\z")]
    private static partial Regex Pattern();
}
