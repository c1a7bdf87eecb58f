using System.Text;

namespace Switchboard.PolicyCheck.Smt;

/// <summary>What kind of token an <see cref="SAtom"/> was read from.</summary>
public enum AtomKind { Symbol, Numeral, Decimal, String, Keyword }

/// <summary>An S-expression as SMT-LIB2 solvers print it: an atom or a parenthesised list.</summary>
public abstract record SExpr
{
    /// <summary>Parses exactly one S-expression from <paramref name="text"/> (comments and whitespace around it allowed).</summary>
    public static SExpr Parse(string text)
    {
        var reader = new SExprReader(new StringReader(text));
        var first = reader.ReadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult()
                    ?? throw new FormatException("no S-expression in the text");
        if (reader.ReadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult() is not null)
            throw new FormatException("more than one S-expression in the text");
        return first;
    }

    /// <summary>True when this is the symbol <paramref name="name"/>.</summary>
    public bool IsSymbol(string name) => this is SAtom { Kind: AtomKind.Symbol } a && a.Text == name;

    /// <summary>The list's head symbol, or null.</summary>
    public string? Head => this is SList { Items.Count: > 0 } l && l.Items[0] is SAtom { Kind: AtomKind.Symbol } h ? h.Text : null;
}

/// <summary>An atom. Quoted symbols (<c>|a b|</c>) keep their text without the bars; strings without quotes.</summary>
public sealed record SAtom(string Text, AtomKind Kind) : SExpr
{
    public override string ToString() => Kind switch
    {
        AtomKind.String => "\"" + Text.Replace("\"", "\"\"") + "\"",
        AtomKind.Symbol => SmtSymbol.Quote(Text),
        _ => Text,
    };
}

/// <summary>A parenthesised list.</summary>
public sealed record SList(IReadOnlyList<SExpr> Items) : SExpr
{
    public override string ToString()
    {
        var sb = new StringBuilder("(");
        for (int i = 0; i < Items.Count; i++)
        {
            if (i > 0) sb.Append(' ');
            sb.Append(Items[i]);
        }
        return sb.Append(')').ToString();
    }
}
