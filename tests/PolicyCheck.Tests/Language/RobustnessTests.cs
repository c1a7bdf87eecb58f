using Switchboard.PolicyCheck.Language;

namespace Switchboard.PolicyCheck.Tests.Language;

/// <summary>Bad input yields located diagnostics, never an exception; independent mistakes are all reported.</summary>
public class RobustnessTests
{
    [Test]
    public void SeveralIndependentErrorsAreAllReported()
    {
        const string text = """
            class Fw(acls: Set[(Address, Address)]) {
              val tainted: Set[Address]
              def model(p: Packet) = {
                tainted.contains(p.srcx) => forward(Empty)
                acls.contains((p.src, p.dst) => forward(Empty)
                malicious(p) => tainted.add(p.src); forward(Empty)
                _ => forward(Seq(p))
              }
            }
            class Bad {
              val n: Int
              def model(p: Packet) = { _ => forward(Seq(p)) }
            }
            """;
        var errors = ModelParser.Parse(text, "multi.vmn").Errors;
        Assert.That(errors.Select(e => $"{e.Span.Line}:{e.Span.Column}"), Is.EqualTo(new[] { "4:24", "5:34", "6:5", "11:10" }), string.Join("\n", errors));
        Assert.That(errors[2].Message, Does.StartWith("unknown function 'malicious'"));
    }

    [Test]
    public void MutatedListingsNeverThrow()
    {
        // Deterministic mutations of every listing: drop, duplicate or swap a character. Each either
        // checks or reports at least one error with a valid place; none throws.
        var random = new Random(20161201);
        int mutants = 0, rejected = 0;
        for (int listing = 4; listing <= 11; listing++)
        {
            string text = Fixtures.Listing(listing);
            for (int i = 0; i < 80; i++)
            {
                string mutant = Mutate(text, random);
                var result = ModelParser.Parse(mutant, "mutant.vmn");
                mutants++;
                if (!result.Succeeded) rejected++;
                int lines = mutant.Count(c => c == '\n') + 1;
                foreach (var e in result.Errors)
                {
                    Assert.That(e.Span.Line, Is.InRange(1, lines), e.ToString());
                    Assert.That(e.Span.Column, Is.GreaterThanOrEqualTo(1), e.ToString());
                }
            }
        }
        Assert.That(rejected, Is.GreaterThan(mutants / 2), "most single-character mutations of a model are errors");
    }

    [TestCase("")]
    [TestCase("class")]
    [TestCase("class X")]
    [TestCase("class X(")]
    [TestCase("class X { def model(p: Packet) = { _ =>")]
    [TestCase("class X { def model(p: Packet) = { a.b.c(d)[e] = => forward( } }")]
    [TestCase("pipeline")]
    [TestCase("pipeline P { reverse when }")]
    [TestCase("case class R(a: Int, a: Int) class X(r: R) { def model(p: Packet) = { r.b => forward(Empty) } }")]
    [TestCase("}}}}))))]]]]")]
    [TestCase("class X { def model(p: Packet) = { 99999999999999999999 == 1 => forward(Empty) } }")]
    public void TruncatedOrGarbledInputIsReportedNotThrown(string text)
    {
        var result = ModelParser.Parse(text, "bad.vmn");
        Assert.That(result.Errors, Is.Not.Empty);
        Assert.That(result.Errors, Has.All.Property("Span").Property("File").EqualTo("bad.vmn"));
    }

    [Test]
    public void HostileInputIsBoundedNotFatal()
    {
        string rule(string guard) => $"class X {{\n  def model(p: Packet) = {{\n    {guard} => forward(Empty)\n    _ => forward(Empty)\n  }}\n}}\n";

        var deepParens = ModelParser.Parse(rule(new string('(', 100_000) + "true" + new string(')', 100_000)), "deep.vmn");
        Assert.That(deepParens.Errors[0].Message, Is.EqualTo("nesting deeper than 200 levels"));

        var longChain = ModelParser.Parse(rule(string.Join(" && ", Enumerable.Repeat("true", 50_000))), "chain.vmn");
        Assert.That(longChain.Errors[0].Message, Is.EqualTo("expression nested deeper than 200 levels"));

        var members = ModelParser.Parse(rule("p" + string.Concat(Enumerable.Repeat(".src", 50_000)) + " == p.dst"), "members.vmn");
        Assert.That(members.Errors[0].Message, Does.StartWith("expression nested deeper"));

        var bangs = ModelParser.Parse(rule(new string('!', 100_000) + "true"), "bangs.vmn");
        Assert.That(bangs.Errors[0].Message, Is.EqualTo("nesting deeper than 200 levels"));

        // Forty doublings through locals would be a 2^40-node tree once inlined.
        var doubling = "class X {\n  val s: Set[Flow]\n  def model(p: Packet) = {\n    _ => x0 = p.src\n"
            + string.Concat(Enumerable.Range(1, 40).Select(i => $"      x{i} = (x{i - 1}, x{i - 1})\n"))
            + "      forward(Empty)\n  }\n}\n";
        var exploded = ModelParser.Parse(doubling, "doubling.vmn");
        Assert.That(exploded.Errors[0].Message, Does.StartWith("expression too large once locals are inlined"));

        var garbage = ModelParser.Parse(string.Concat(Enumerable.Repeat("class # { val } ", 20_000)), "garbage.vmn");
        Assert.That(garbage.Errors, Has.Count.EqualTo(DiagnosticBag.Limit + 1));
        Assert.That(garbage.Errors[^1].Message, Does.StartWith("too many errors"));
    }

    private static string Mutate(string text, Random random)
    {
        int at = random.Next(text.Length);
        return random.Next(3) switch
        {
            0 => text.Remove(at, 1),
            1 => text.Insert(at, text[at].ToString()),
            _ => text.Insert(at, "(){}[]=>;,.!_#"[random.Next(14)].ToString()),
        };
    }
}
