namespace Switchboard.Json;

/// <summary>Builds JSONPath-style locations (<c>$.ports.gen0</c>, <c>$.chains[1].through[0]</c>, <c>$.nfs['a.b']</c>).</summary>
public static class JsonPath
{
    public const string Root = "$";

    public static string Key(string parent, string key) =>
        IsPlain(key) ? $"{parent}.{key}" : $"{parent}['{key.Replace("\\", "\\\\").Replace("'", "\\'")}']";

    public static string Index(string parent, int index) => $"{parent}[{index}]";

    /// <summary>The enclosing path (one segment up), or null at the root. Only used to find a location
    /// for a path that does not exist in the text (a missing key), so bracket keys need no exact parsing.</summary>
    public static string? Parent(string path)
    {
        int cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut <= 0 ? null : path[..cut];
    }

    // Dot notation only where it cannot be misread: '.' and quotes inside keys need brackets.
    private static bool IsPlain(string key)
    {
        if (key.Length == 0 || !(char.IsAsciiLetter(key[0]) || key[0] is '_' or '$')) return false;
        foreach (var c in key)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '$' or '-')) return false;
        return true;
    }
}
