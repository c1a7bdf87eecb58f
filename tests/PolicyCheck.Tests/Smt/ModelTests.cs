using System.Numerics;
using Switchboard.PolicyCheck.Smt;

namespace Switchboard.PolicyCheck.Tests.Smt;

/// <summary>Model evaluation on the shapes z3 4.8 and cvc5 1.0 print (copied from their output on a VMN query).</summary>
public class ModelTests
{
    private static readonly DatatypeDecl Node = DatatypeDecl.Enumeration("Node", ["A", "B", "fw"]);
    private static readonly DatatypeDecl Address = DatatypeDecl.Enumeration("Address", ["a", "b"]);
    private static readonly DatatypeDecl Packet = DatatypeDecl.Record("Packet", "packet",
        new FieldDecl("src", Address.Sort), new FieldDecl("dst", Address.Sort), new FieldDecl("origin", Node.Sort), new FieldDecl("seq", Sort.Int));

    private static SmtModel Parse(string text) => SmtModel.Parse(SExpr.Parse(text), [Node, Address, Packet]);

    private static DatatypeValue Pkt(string src, string dst, string origin, int seq) =>
        new("packet", [new DatatypeValue(src, []), new DatatypeValue(dst, []), new DatatypeValue(origin, []), new IntValue(seq)]);

    [Test]
    public void Z3ModelWithAuxiliaryFunctionsAndRanges()
    {
        var model = Parse("""
            (
              (define-fun failed_fw () Bool true)
              (define-fun named () Bool (forall ((x Node)) (= x x)))
              (define-fun w_pkt () Packet (packet a b A 2))
              (define-fun w_time () Int 1238)
              (define-fun k!109 ((x!0 Packet)) Packet
                (ite (= x!0 (packet a a A 3)) (packet a a A 3) (packet a b A 2)))
              (define-fun recv ((x!0 Node) (x!1 Node) (x!2 Packet) (x!3 Int)) Bool
                (and (= x!0 A) (= x!1 B) (= (k!109 x!2) (packet a b A 2)) (<= 1238 x!3)))
              (define-fun sendTime ((x!0 Node) (x!1 Node) (x!2 Packet) (x!3 Int)) Int
                (ite (and (= x!0 A) (<= 1238 x!3)) 1 7))
            )
            """);
        Assert.That(model.Constant("failed_fw"), Is.EqualTo(BoolValue.True));
        Assert.That(model.Constant("w_pkt"), Is.EqualTo(Pkt("a", "b", "A", 2)));
        var args = new SmtValue[] { new DatatypeValue("A", []), new DatatypeValue("B", []), Pkt("a", "b", "A", 2), new IntValue(1238) };
        Assert.That(model.Apply("recv", args), Is.EqualTo(BoolValue.True));
        Assert.That(model.Apply("sendTime", args), Is.EqualTo(new IntValue(1)));
        args[3] = new IntValue(5);
        Assert.That(model.Apply("recv", args), Is.EqualTo(BoolValue.False));
        Assert.That(model.Evaluate(Packet.Field("seq", Terms.Symbol("w_pkt"))), Is.EqualTo(new IntValue(2)));
        Assert.That(() => model.Constant("named"), Throws.TypeOf<ModelEvaluationException>());
        Assert.That(() => model.Constant("absent"), Throws.TypeOf<ModelEvaluationException>().With.Message.Contains("absent"));
    }

    [Test]
    public void Cvc5ModelWithNegativeNumbersAndTesters()
    {
        var model = Parse("""
            (
            (define-fun w_pkt () Packet (packet a b A (- 1)))
            (define-fun causeTime ((BOUND_VARIABLE_1 Node) (BOUND_VARIABLE_2 Packet) (BOUND_VARIABLE_3 Int)) Int 0)
            (define-fun f ((_arg_1 Int)) Int (ite (= _arg_1 3) (- 7) (+ _arg_1 (* 2 _arg_1))))
            )
            """);
        Assert.That(model.Constant("w_pkt"), Is.EqualTo(Pkt("a", "b", "A", -1)));
        Assert.That(model.Apply("f", new IntValue(3)), Is.EqualTo(new IntValue(-7)));
        Assert.That(model.Apply("f", new IntValue(4)), Is.EqualTo(new IntValue(12)));
        Assert.That(model.Evaluate(SExpr.Parse("((_ is packet) w_pkt)")), Is.EqualTo(BoolValue.True));
        Assert.That(model.Evaluate(SExpr.Parse("(let ((x (mod (- 7) 3))) (div (- 7) 3))")), Is.EqualTo(new IntValue(new BigInteger(-3))));
        Assert.That(model.Evaluate(SExpr.Parse("(mod (- 7) 3)")), Is.EqualTo(new IntValue(2)));
    }
}
