using System.Text.RegularExpressions;

namespace Switchboard.Host.Config;

/// <summary>The rule for port, NF, chain and invariant names (same pattern as plugins.schema.json).</summary>
internal static partial class ConfigNames
{
    public const string Rule = "a name starts with a letter and continues with letters, digits, '_', '.' or '-' (64 characters at most)";

    public static bool IsValid(string name) => Pattern().IsMatch(name);

    /// <summary>Records an error at <paramref name="path"/> when <paramref name="name"/> breaks the rule.</summary>
    public static bool Check(string name, string path, string what, Diagnostics diag)
    {
        if (IsValid(name)) return true;
        diag.Error(path, $"'{name}' is not a valid {what} name: {Rule}");
        return false;
    }

    /// <summary><c>a, b, c</c> or <c>(none)</c>.</summary>
    public static string List(IEnumerable<string> names)
    {
        var joined = string.Join(", ", names);
        return joined.Length == 0 ? "(none)" : joined;
    }

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_.\-]{0,63}\z")]
    private static partial Regex Pattern();
}
