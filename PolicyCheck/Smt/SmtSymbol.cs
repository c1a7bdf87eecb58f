namespace Switchboard.PolicyCheck.Smt;

/// <summary>SMT-LIB2 symbol spelling: simple symbols as they are, anything else between bars.</summary>
public static class SmtSymbol
{
    private const string Extra = "~!@$%^&*_-+=<>.?/";
    private static readonly HashSet<string> Reserved =
        ["_", "!", "as", "let", "exists", "forall", "match", "par", "NUMERAL", "DECIMAL", "STRING", "BINARY", "HEXADECIMAL"];

    /// <summary>True when <paramref name="name"/> can be written without bars.</summary>
    public static bool IsSimple(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && !Reserved.Contains(name)
        && name.All(c => char.IsAsciiLetterOrDigit(c) || Extra.Contains(c));

    /// <summary><paramref name="name"/> as it must appear in SMT-LIB2 text.</summary>
    public static string Quote(string name)
    {
        if (IsSimple(name)) return name;
        if (name.Contains('|') || name.Contains('\\'))
            throw new ArgumentException($"'{name}' cannot be an SMT-LIB2 symbol (contains '|' or '\\')", nameof(name));
        return "|" + name + "|";
    }
}
