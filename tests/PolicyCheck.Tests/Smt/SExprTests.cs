using Switchboard.PolicyCheck.Smt;

namespace Switchboard.PolicyCheck.Tests.Smt;

public class SExprTests
{
    [Test]
    public void ParsesAtomsListsStringsQuotedSymbolsAndComments()
    {
        var e = SExpr.Parse("; note\n(a |b c| \"say \"\"hi\"\"\" 42 :k (- 1))");
        var items = ((SList)e).Items;
        Assert.That(items[0], Is.EqualTo(new SAtom("a", AtomKind.Symbol)));
        Assert.That(items[1], Is.EqualTo(new SAtom("b c", AtomKind.Symbol)));
        Assert.That(items[2], Is.EqualTo(new SAtom("say \"hi\"", AtomKind.String)));
        Assert.That(items[3], Is.EqualTo(new SAtom("42", AtomKind.Numeral)));
        Assert.That(items[4], Is.EqualTo(new SAtom(":k", AtomKind.Keyword)));
        Assert.That(items[5].ToString(), Is.EqualTo("(- 1)"));
    }

    [Test]
    public async Task ReaderReturnsOneResponseAtATime()
    {
        var reader = new SExprReader(new StringReader("sat\n((x 1))\n(error \"bad\")"));
        Assert.That((await reader.ReadAsync(default))!.IsSymbol("sat"), Is.True);
        Assert.That((await reader.ReadAsync(default))!.ToString(), Is.EqualTo("((x 1))"));
        Assert.That((await reader.ReadAsync(default))!.Head, Is.EqualTo("error"));
        Assert.That(await reader.ReadAsync(default), Is.Null);
    }

    [Test]
    public void MalformedTextIsAFormatError()
    {
        Assert.That(() => SExpr.Parse("(a (b)"), Throws.TypeOf<FormatException>());
        Assert.That(() => SExpr.Parse(")"), Throws.TypeOf<FormatException>());
        Assert.That(() => SExpr.Parse("\"open"), Throws.TypeOf<FormatException>());
    }
}
