using Switchboard.PolicyCheck.Language;

namespace Switchboard.PolicyCheck.Tests.Language;

/// <summary>Malformed models give located errors. In each case '$' marks where the (first) error
/// must point; it is removed before parsing.</summary>
public class DiagnosticTests
{
    private const string Header = """
        class Fw(acls: Set[(Address, Address)]) {
          abstract malicious(p: Packet): bool
          val tainted: Set[Address]
          val seen: Map[Flow, Int]
          def model(p: Packet) = {

        """;

    private const string Footer = """

            _ => forward(Seq(p))
          }
        }
        """;

    /// <summary>A model whose rules are <paramref name="rules"/> (placed from line 6).</summary>
    private static string WithRules(string rules) => Header + rules + Footer;

    private static IEnumerable<TestCaseData> Cases()
    {
        TestCaseData Case(string name, string text, string message) => new TestCaseData(text, message).SetName(name);

        yield return Case("UnknownIdentifier", WithRules("    $foo => forward(Empty)"), "unknown identifier 'foo'");
        yield return Case("UnknownIdentifierSuggestsState", WithRules("    $taintd.contains(p.src) => forward(Empty)"),
            "unknown identifier 'taintd' (did you mean 'tainted'?)");
        yield return Case("UnknownPacketField", WithRules("    tainted.contains(p.$srcx) => forward(Empty)"),
            "unknown packet field 'srcx' (did you mean 'src'?)");
        yield return Case("GuardNotBool", WithRules("    $p.src => forward(Empty)"),
            "type mismatch: a rule's guard must be Bool, found Address");
        yield return Case("SetElementTypeMismatch", WithRules("    malicious(p) => tainted.add($p.src_port); forward(Empty)"),
            "type mismatch: elements of 'tainted' have type Address, found Int");
        yield return Case("OracleWrongArity", WithRules("    $malicious(p, p) => forward(Empty)"),
            "wrong number of arguments: oracle 'malicious' takes 1, got 2");
        yield return Case("FlowWrongArity", WithRules("    seen.contains($flow(p, p)) => forward(Empty)"),
            "wrong number of arguments: flow takes 1 (the packet), got 2");
        yield return Case("UndeclaredState", WithRules("    malicious(p) => $infected.add(flow(p)); forward(Empty)"),
            "undeclared state 'infected'");
        yield return Case("ConfigurationIsReadOnly", WithRules("    malicious(p) => $acls.add((p.src, p.dst)); forward(Empty)"),
            "configuration parameter 'acls' is read-only; only state can be updated");
        yield return Case("MapUpdatedLikeASet", WithRules("    malicious(p) => $seen += flow(p); forward(Empty)"),
            "'seen' is a Map; set an entry with seen[k] = v");
        yield return Case("MapValueTypeMismatch", WithRules("    malicious(p) => seen[flow(p)] = $p.src; forward(Empty)"),
            "type mismatch: values of 'seen' have type Int, found Address");
        yield return Case("CompareAddressWithInt", WithRules("    p.src $== p.src_port => forward(Empty)"),
            "type mismatch: cannot compare Address with Int using '=='");
        yield return Case("ForwardTakesASet", WithRules("    malicious(p) => forward($p)"),
            "type mismatch: forward(...) takes a set of packets; write forward(Seq(p))");
        yield return Case("RuleWithoutForward", WithRules("    $malicious(p) => tainted.add(p.src)\n    p.src == p.dst => forward(Empty)"),
            "rule does not end with forward(...)");
        yield return Case("MissingArrow", WithRules("    tainted.contains(p.src) $forward(Empty)"),
            "expected '=>' after the rule's guard, found identifier 'forward'");
        yield return Case("UnreachableAfterDefault", WithRules("    _ => forward(Empty)\n    $malicious(p) => forward(Empty)"),
            "unreachable rule: the default rule '_ =>' at 6:5 already matches every packet");
        yield return Case("UnknownType", "class X(a: Set[$Adress]) {\n  def model(p: Packet) = { _ => forward(Empty) }\n}",
            "unknown type 'Adress' (did you mean 'Address'?)");
        yield return Case("TypeArity", "class X {\n  val s: $Set[Address, Address]\n  def model(p: Packet) = { _ => forward(Empty) }\n}",
            "type 'Set' takes 1 type argument, got 2");
        yield return Case("StateMustBeACollection", "class X {\n  val count: $Int\n  def model(p: Packet) = { _ => forward(Empty) }\n}",
            "state 'count' must be a Set[..] or a Map[.., ..], found Int");
        yield return Case("DuplicateState", "class X {\n  val s: Set[Address]\n  val $s: Set[Flow]\n  def model(p: Packet) = { _ => forward(Empty) }\n}",
            "duplicate name 's': already declared as state at 2:7");
        yield return Case("ParameterAndStateClash", "class X(s: Int) {\n  val $s: Set[Flow]\n  def model(p: Packet) = { _ => forward(Empty) }\n}",
            "duplicate name 's': already declared as a configuration parameter at 1:9");
        yield return Case("DuplicateClass", "class X {\n  def model(p: Packet) = { _ => forward(Empty) }\n}\nclass $X {\n  def model(p: Packet) = { _ => forward(Empty) }\n}",
            "duplicate declaration 'X' (first declared at test.vmn:1:7)");
        yield return Case("NoModelMethod", "class $X {\n  val s: Set[Address]\n}",
            "class 'X' has no 'def model(p: Packet)'");
        yield return Case("UnterminatedClass", "class X ${\n  def model(p: Packet) = {\n    _ => forward(Empty)\n  }\n",
            "unterminated class 'X': '{' at 1:9 has no matching '}'");
        yield return Case("UnterminatedComment", "class X {\n  def model(p: Packet) = { _ => forward(Empty) }\n}\n$/* never closed\n",
            "unterminated comment: '/*' has no closing '*/'");
        yield return Case("UnclosedParenthesis", WithRules("    tainted.contains(p.src $=> forward(Empty)"),
            "expected ')' to close '(' at 6:21, found '=>'");
        yield return Case("UnexpectedCharacter", WithRules("    p.src == p.dst $# 1 => forward(Empty)"),
            "unexpected character '#'");
        yield return Case("ReadAfterUpdateAtAnotherKey", WithRules("    malicious(p) => seen[flow(p)] = 1; p.src = p.dst; p.dst_port = $seen[flow(p)]; forward(Seq(p))"),
            "state 'seen' is read after being updated in the same rule at a key that may differ");
        yield return Case("PipelineUnknownModel", "pipeline G {\n  $Fw\n}",
            "unknown model 'Fw' in pipeline 'G'");
        yield return Case("PipelineWrongArity", "class A(x: Address) {\n  def model(p: Packet) = { _ => forward(Seq(p)) }\n}\npipeline G {\n  $A\n}",
            "wrong number of arguments: model 'A' takes 1 (x: Address), got 0");
        yield return Case("UpdateInsideExpression", WithRules("    tainted.$add(p.src) => forward(Empty)"),
            "'add' updates state; it can only be a statement in a rule body");
        yield return Case("AssignToUnknownHeader", WithRules("    malicious(p) => p.$ttl = 3; forward(Seq(p))"),
            "unknown packet field 'ttl'");
    }

    [TestCaseSource(nameof(Cases))]
    public void ReportsALocatedError(string marked, string message)
    {
        int marker = marked.IndexOf('$', StringComparison.Ordinal);
        Assert.That(marker, Is.GreaterThanOrEqualTo(0), "test case needs a '$' marker");
        string text = marked.Remove(marker, 1);
        int line = marked[..marker].Count(c => c == '\n') + 1;
        int column = marker - marked.LastIndexOf('\n', Math.Max(marker - 1, 0));

        var result = ModelParser.Parse(text, "test.vmn");

        Assert.That(result.Errors, Is.Not.Empty, "expected an error");
        var first = result.Errors[0];
        Assert.That(first.ToString(), Does.StartWith($"test.vmn:{line}:{column}: error: "), string.Join("\n", result.Errors));
        Assert.That(first.Message, Does.StartWith(message), string.Join("\n", result.Errors));
    }
}
