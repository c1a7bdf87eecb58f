using Switchboard.PolicyCheck.Language;

namespace Switchboard.PolicyCheck.Tests.Language;

/// <summary>The language's forms, one at a time, as LANGUAGE.md describes them.</summary>
public class SyntaxTests
{
    private static Rule OnlyRule(string members, string rule)
    {
        var m = Fixtures.SingleModel($"class T(a: Address, pairs: Set[(Address, Address)], ports: List[Int]) {{\n{members}\n  def model(p: Packet) = {{\n    {rule}\n  }}\n}}");
        return m.Rules[0];
    }

    [Test]
    public void ParenthesisOnTheNextLineStartsANewStatement()
    {
        var rule = OnlyRule("  val m: Map[Flow, (Address, Int)]", "_ =>\n      x = m[flow(p)]\n      (y, z) = x\n      p.dst = y\n      forward(Seq(p))");
        Assert.That(AstPrinter.Print(rule), Is.EqualTo("_ => forward(Seq(p{dst = m[flow(p)]._1}))"));
    }

    [Test]
    public void OperatorsAndAssignmentsMayContinueOnTheNextLine()
    {
        var rule = OnlyRule("  val m: Map[Flow, Int]", "p.src == a\n      && p.dst == a\n      => m[flow(p)]\n        = 1\n      forward(Empty)");
        Assert.That(AstPrinter.Print(rule), Is.EqualTo("(p.src == a) && (p.dst == a) => m[flow(p)] = 1; forward(Empty)"));
    }

    [Test]
    public void CommentsAreIgnored()
    {
        var rule = OnlyRule("  /* state */ val s: Set[Flow] // seen", "/* a\n block */ s.contains(flow(p)) => forward(Empty) // drop");
        Assert.That(AstPrinter.Print(rule), Is.EqualTo("s.contains(flow(p)) => forward(Empty)"));
    }

    [TestCase("forward(Empty)")]
    [TestCase("forward(Seq.empty)")]
    [TestCase("forward(seq.Empty)")]
    [TestCase("forward(Seq())")]
    public void EmptyPacketSetsDrop(string forward) =>
        Assert.That(OnlyRule("", "_ => " + forward).Forward.Drops, Is.True);

    [TestCase("p.dest == a", "p.dst == a")]
    [TestCase("dst(p) == a", "p.dst == a")]
    [TestCase("p.dest_port == 80", "p.dst_port == 80")]
    [TestCase("origin(p) == origin(p)", "p.origin == p.origin")]
    [TestCase("pairs.contains(p.src, p.dst)", "pairs.contains((p.src, p.dst))")]
    [TestCase("pairs((p.src, a))", "pairs.contains((p.src, a))")]
    [TestCase("ports.contains(p.dst_port)", "ports.contains(p.dst_port)")]
    [TestCase("ports[0] <= p.src_port && p.src_port < ports(1)", "(ports[0] <= p.src_port) && (p.src_port < ports[1])")]
    [TestCase("flow(p).dst == a && flow(p).proto == 6", "(p.dst == a) && (p.proto == 6)")]
    [TestCase("!(p.src != a) || false", "!(p.src != a) || false")]
    [TestCase("p.src >= a && p.dst > a", "(p.src >= a) && (p.dst > a)")]
    public void GuardForms(string guard, string printed) =>
        Assert.That(AstPrinter.Print(OnlyRule("", guard + " => forward(Empty)").Guard!), Is.EqualTo(printed));

    [TestCase("s.add(flow(p))", "s.add(flow(p))")]
    [TestCase("s += flow(p)", "s.add(flow(p))")]
    [TestCase("s.remove(flow(p))", "s.remove(flow(p))")]
    [TestCase("s -= flow(p)", "s.remove(flow(p))")]
    [TestCase("m[flow(p)] = p.src_port", "m[flow(p)] = p.src_port")]
    [TestCase("m(flow(p)) = 7", "m[flow(p)] = 7")]
    [TestCase("m.put(flow(p), 7)", "m[flow(p)] = 7")]
    [TestCase("m.remove(flow(p))", "m.remove(flow(p))")]
    [TestCase("m -= flow(p)", "m.remove(flow(p))")]
    public void UpdateForms(string statement, string printed)
    {
        var rule = OnlyRule("  val s: Set[Flow]\n  val m: Map[Flow, Int]", $"_ => {statement}; forward(Empty)");
        Assert.That(AstPrinter.Print(rule.Actions.Single()), Is.EqualTo(printed));
    }

    [TestCase("m(flow(p))")]
    [TestCase("m[flow(p)]")]
    [TestCase("m.lookup(flow(p))")]
    public void LookupForms(string lookup)
    {
        var rule = OnlyRule("  val m: Map[Flow, Int]", $"m.contains(flow(p)) => p.src_port = {lookup}; forward(Seq(p))");
        Assert.That(AstPrinter.Print(rule.Rewrites.Single().Value), Is.EqualTo("m[flow(p)]"));
    }

    [Test]
    public void OraclesMayTakeOtherTypesAndOmitParameterNames()
    {
        var m = Fixtures.SingleModel("""
            class O {
              abstract size(p: Packet): int
              abstract big(int): bool
              abstract peer(a: Address, b: Address): bool
              def model(p: Packet) = {
                big(size(p)) && peer(p.src, p.dst) => forward(Empty)
                _ => forward(Seq(p))
              }
            }
            """);
        Assert.That(m.Oracles.Select(o => $"{o.Name}: {string.Join(", ", o.ParameterTypes)} -> {o.Result}"), Is.EqualTo(new[]
        {
            "size: Packet -> Int", "big: Int -> Bool", "peer: Address, Address -> Bool",
        }));
        Assert.That(AstPrinter.Print(m.Rules[0].Guard!), Is.EqualTo("big(size(p)) && peer(p.src, p.dst)"));
    }

    [Test]
    public void ThePacketParameterMayHaveAnyName()
    {
        var m = Fixtures.SingleModel("class N {\n  def model(pkt: Packet) = {\n    pkt.src == pkt.dst => forward(Empty)\n    _ => forward(Seq(pkt))\n  }\n}");
        Assert.That(m.PacketName, Is.EqualTo("pkt"));
        Assert.That(m.Rules[1].Forward.Packets.Single(), Is.InstanceOf<PacketExpr>());
    }

    [Test]
    public void PipelineStagesMayOmitNamesAndParentheses()
    {
        var result = Fixtures.Ok("""
            class A { def model(p: Packet) = { _ => forward(Seq(p)) } }
            class B(x: Address) { def model(p: Packet) = { _ => forward(Seq(p)) } }
            pipeline P(y: Address) {
              A
              second = B(y);
              A()
            }
            """.Replace("  A()\n", "  third = A()\n", StringComparison.Ordinal));
        var pipeline = result.Pipelines.Single();
        Assert.That(pipeline.Stages.Select(s => s.Name), Is.EqualTo(new[] { "A", "second", "third" }));
        Assert.That(pipeline.ReverseWhen, Is.Null);
    }
}
