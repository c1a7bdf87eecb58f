using System.Globalization;
using System.Text;

namespace Switchboard.PolicyCheck.Network;

/// <summary>
/// Expands ranges in names and addresses: <c>web{1..50}</c> is web1 … web50, <c>web{01..10}</c> keeps the width
/// (web01 … web10), several ranges multiply (<c>r{1..2}-{1..3}</c>, the last varying fastest), and
/// <c>10.0.1.{1..50}</c> works the same way for addresses.
/// </summary>
public static class NameRange
{
    public const int MaxExpansion = 1_000_000;

    /// <summary>True when <paramref name="text"/> contains a <c>{</c> range.</summary>
    public static bool HasRange(string text) => text.Contains('{');

    /// <summary>The expansion, or null with <paramref name="error"/> saying what is wrong.</summary>
    public static IReadOnlyList<string>? Expand(string text, out string? error)
    {
        error = null;
        var parts = new List<(string Literal, long From, long To, int Width)>();
        int i = 0;
        var literal = new StringBuilder();
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '}')
            {
                error = $"'}}' at position {i + 1} closes no range";
                return null;
            }
            if (c != '{')
            {
                literal.Append(c);
                i++;
                continue;
            }
            int close = text.IndexOf('}', i);
            if (close < 0)
            {
                error = $"range at position {i + 1} is not closed with '}}'";
                return null;
            }
            var body = text[(i + 1)..close];
            var bounds = body.Split("..");
            if (bounds.Length != 2 || !IsNumber(bounds[0]) || !IsNumber(bounds[1]))
            {
                error = $"'{{{body}}}' is not a range; write {{first..last}} with decimal numbers, e.g. {{1..50}}";
                return null;
            }
            long from = long.Parse(bounds[0], CultureInfo.InvariantCulture), to = long.Parse(bounds[1], CultureInfo.InvariantCulture);
            if (from > to)
            {
                error = $"range {{{body}}} is empty (first > last)";
                return null;
            }
            int width = bounds[0].Length > 1 && bounds[0][0] == '0' ? bounds[0].Length : 0;
            parts.Add((literal.ToString(), from, to, width));
            literal.Clear();
            i = close + 1;
        }
        if (parts.Count == 0) return [text];

        long total = 1;
        foreach (var p in parts)
        {
            total *= p.To - p.From + 1;
            if (total > MaxExpansion)
            {
                error = $"'{text}' expands to more than {MaxExpansion} names";
                return null;
            }
        }
        var tail = literal.ToString();
        var results = new List<string>((int)total);
        var counters = parts.Select(p => p.From).ToArray();
        for (long n = 0; n < total; n++)
        {
            var sb = new StringBuilder();
            for (int k = 0; k < parts.Count; k++)
                sb.Append(parts[k].Literal).Append(counters[k].ToString(CultureInfo.InvariantCulture).PadLeft(parts[k].Width, '0'));
            results.Add(sb.Append(tail).ToString());
            for (int k = parts.Count - 1; k >= 0; k--)
            {
                if (++counters[k] <= parts[k].To) break;
                counters[k] = parts[k].From;
            }
        }
        return results;
    }

    private static bool IsNumber(string s) => s.Length is > 0 and <= 9 && s.All(char.IsAsciiDigit);
}
