using Switchboard.PolicyCheck.Smt;
using static Switchboard.PolicyCheck.Smt.Terms;

namespace Switchboard.PolicyCheck.Tests.Smt;

public class TermPrintingTests
{
    [Test]
    public void ConnectivesSimplifyTrivialCases()
    {
        var x = Symbol("x");
        Assert.That(And().ToString(), Is.EqualTo("true"));
        Assert.That(Or().ToString(), Is.EqualTo("false"));
        Assert.That(And(x).ToString(), Is.EqualTo("x"));
        Assert.That(And(x, False).ToString(), Is.EqualTo("false"));
        Assert.That(Add(x).ToString(), Is.EqualTo("x"));
        Assert.That(Add().ToString(), Is.EqualTo("0"));
        Assert.That(Distinct(x).ToString(), Is.EqualTo("true"));
        Assert.That(Implies(True, x).ToString(), Is.EqualTo("x"));
    }

    [Test]
    public void NegativeIntegersAndOddSymbolsPrintAsSmtLib()
    {
        Assert.That(Int(-5).ToString(), Is.EqualTo("(- 5)"));
        Assert.That(Symbol("10.0.0.1").ToString(), Is.EqualTo("|10.0.0.1|"));
        Assert.That(Symbol("addr.10.0.0.1").ToString(), Is.EqualTo("addr.10.0.0.1"));
        Assert.That(Symbol("let").ToString(), Is.EqualTo("|let|"));
        Assert.That(() => SmtSymbol.Quote("a|b"), Throws.ArgumentException);
    }

    [Test]
    public void QuantifierPrintsPatternsAndId()
    {
        var node = new Sort("Node");
        var f = new FunDecl("f", [node], Sort.Bool);
        var n = new Var("n", node);
        var q = Forall([n], Implies(f.Apply(n), Not(f.Apply(n))), [[f.Apply(n)]], id: "q1");
        Assert.That(q.ToString(), Is.EqualTo("(forall ((n Node)) (! (=> (f n) (not (f n))) :pattern ((f n)) :qid q1))"));
    }

    [Test]
    public void LetAndNamedPrint()
    {
        var t = Named(Let([("a", Int(1))], Eq(Symbol("a"), 1)), "one");
        Assert.That(t.ToString(), Is.EqualTo("(! (let ((a 1)) (= a 1)) :named one)"));
    }

    [Test]
    public void ScriptDeclaresDatatypesFunctionsAndNamedAssertions()
    {
        var script = new SmtScript();
        var node = script.DeclareEnumeration("Node", ["A", "B"]);
        var pkt = DatatypeDecl.Record("Packet", "packet", new FieldDecl("src", node.Sort), new FieldDecl("seq", Sort.Int));
        script.DeclareDatatypes(pkt);
        var p = script.DeclareConst("p", pkt.Sort);
        script.Assert(Eq(pkt.Field("src", p), node.Value("A")), "src-is-a");
        Assert.That(script.ToString(), Is.EqualTo(
            "(set-logic ALL)\n" +
            "(declare-datatypes ((Node 0)) (((A) (B))))\n" +
            "(declare-datatypes ((Packet 0)) (((packet (src Node) (seq Int)))))\n" +
            "(declare-const p Packet)\n" +
            "(assert (! (= (src p) A) :named src-is-a))\n"));
        Assert.That(script.AssertionNames, Is.EqualTo(new[] { "src-is-a" }));
    }

    [Test]
    public void ClashingNamesAndWrongAritiesAreRejected()
    {
        var script = new SmtScript();
        script.DeclareEnumeration("Node", ["A", "B"]);
        Assert.That(() => script.DeclareConst("A", Sort.Int), Throws.ArgumentException.With.Message.Contains("already declared"));
        var f = script.DeclareFun("f", [Sort.Int], Sort.Int);
        Assert.That(() => f.Apply(), Throws.ArgumentException);
    }
}
