using Switchboard.PolicyCheck.Language;

namespace Switchboard.PolicyCheck.Tests.Language;

/// <summary>Every model listing of thesis chapter 4 (listings 4-11) parses and type-checks; the
/// listings' own typos (kept out of the fixtures) are reported at their place.</summary>
public class ListingTests
{
    [TestCase(4, "Firewall", 4)]
    [TestCase(5, "Firewall", 2)]
    [TestCase(6, "IPS", 3)]
    [TestCase(7, "SNAT", 3)]
    [TestCase(8, "DNAT", 3)]
    [TestCase(9, "LoadBalancer", 2)]
    [TestCase(10, "Cache", 5)]
    [TestCase(11, "learningfirewall", 3)]
    public void ListingParsesAndChecks(int listing, string model, int rules)
    {
        var result = Fixtures.ParseListing(listing);
        Assert.That(result.Errors, Is.Empty, string.Join("\n", result.Errors));
        var m = result.Models.Single();
        Assert.That(m.Name, Is.EqualTo(model));
        Assert.That(m.Rules, Has.Count.EqualTo(rules));
        Assert.That(m.Rules[^1].IsDefault, Is.True, "every listing ends with a default rule");
    }

    [Test]
    public void Listing4HasTheDeclaredParametersOraclesAndState()
    {
        var m = Fixtures.ParseListing(4).Models.Single();
        Assert.That(m.Parameters.Single().Type, Is.EqualTo(new SetType(new TupleType([VmnType.Address, VmnType.Address]))));
        Assert.That(m.Oracles.Single().Name, Is.EqualTo("malicious"));
        Assert.That(m.Oracles.Single().ParameterTypes, Is.EqualTo(new[] { VmnType.Packet }));
        Assert.That(m.Oracles.Single().Result, Is.EqualTo(VmnType.Bool));
        Assert.That(m.State.Single().Type, Is.EqualTo(new SetType(VmnType.Address)));
        Assert.That(Fixtures.Rules(m), Is.EqualTo(
            "tainted.contains(p.src) => forward(Empty)\n" +
            "acls.contains((p.src, p.dst)) => forward(Empty)\n" +
            "malicious(p) => tainted.add(p.src); forward(Empty)\n" +
            "_ => forward(Seq(p))"));
    }

    [Test]
    public void Listing5FindsTheFirstMatchingRecordRule()
    {
        var result = Fixtures.ParseListing(5);
        var rule = result.Records.Single().Type;
        Assert.That(rule.Name, Is.EqualTo("Rule"));
        Assert.That(rule.Fields.Select(f => f.Name), Is.EqualTo(new[] { "src", "dst", "src_port", "dst_port", "in_iface", "out_iface", "conn", "related", "accept" }));
        var m = result.Models.Single();
        Assert.That(m.Parameters.Single().Type, Is.EqualTo(new ListType(rule)));
        var guard = (Binary)m.Rules[0].Guard!;
        Assert.That(guard.Left, Is.InstanceOf<OptionDefined>());
        Assert.That(((OptionDefined)guard.Left).Option, Is.InstanceOf<FindFirst>(), "the local 'match' is inlined");
        Assert.That(guard.Right, Is.InstanceOf<RecordGet>().With.Property("Field").EqualTo("accept"));
    }

    [Test]
    public void Listing5AsPrintedPassesAFlowToAPacketOracle()
    {
        string printed = Fixtures.ReplaceOnce(Fixtures.Listing(5), "related(p)));", "related(f)));");
        var errors = ModelParser.Parse(printed, "Listing05.vmn").Errors;
        Assert.That(errors, Has.Count.EqualTo(1));
        Assert.That(errors[0].Message, Is.EqualTo("type mismatch: argument 1 of oracle 'related' has type Packet, found Flow"));
        Assert.That(errors[0].Span.Line, Is.EqualTo(LineOf(printed, "related(f)")));
    }

    [Test]
    public void Listing6AsPrintedHasAnUnclosedParenthesis()
    {
        string printed = Fixtures.ReplaceOnce(Fixtures.Listing(6), "infected.add(flow(p));", "infected.add(flow(p);");
        var result = ModelParser.Parse(printed, "Listing06.vmn");
        var error = result.Errors.Single();
        int line = LineOf(printed, "infected.add(flow(p);");
        Assert.That(error.ToString(), Does.StartWith($"Listing06.vmn:{line}:"));
        Assert.That(error.Message, Does.StartWith($"expected ')' to close '(' at {line}:"));
        // Recovery: the rules after the broken one are still parsed.
        Assert.That(result.Models.Single().Rules.Any(r => r.IsDefault), Is.True);
    }

    [Test]
    public void Listing10AsPrintedMisspellsStateAndABracket()
    {
        string text = Fixtures.Listing(10);
        string printed = text.Replace("outstanding_requests.contains", "outstanding_request.contains", StringComparison.Ordinal);
        printed = Fixtures.ReplaceOnce(printed, "outstanding_requests[p_flow]) =>\n       p.src", "outstanding_requests[p_flow]] =>\n       p.src");
        var errors = ModelParser.Parse(printed, "Listing10.vmn").Errors;
        Assert.That(errors.Count(e => e.Message == "unknown identifier 'outstanding_request' (did you mean 'outstanding_requests'?)"), Is.EqualTo(1),
            string.Join("\n", errors));
        Assert.That(errors.Count(e => e.Message.StartsWith("expected ')' to close '('", StringComparison.Ordinal) && e.Message.EndsWith("found ']'", StringComparison.Ordinal)), Is.EqualTo(1),
            string.Join("\n", errors));
    }

    [Test]
    public void Listing11AcceptsTheLowerCaseSpellings()
    {
        var m = Fixtures.ParseListing(11).Models.Single();
        Assert.That(m.Parameters.Single().Type, Is.EqualTo(new SetType(new TupleType([VmnType.Address, VmnType.Address]))));
        Assert.That(m.State.Single().Type, Is.EqualTo(new SetType(VmnType.Flow)));
        Assert.That(Fixtures.Rules(m), Is.EqualTo(
            "established.contains(flow(p)) => forward(Seq(p))\n" +
            "acl.contains((p.src, p.dst)) => established.add(flow(p)); forward(Seq(p))\n" +
            "_ => forward(Empty)"));
    }

    [Test]
    public void Listing7DestructuresTheReverseEntry()
    {
        var m = Fixtures.ParseListing(7).Models.Single();
        Assert.That(AstPrinter.Print(m.Rules[0]), Is.EqualTo(
            "p.dst == nat_address => forward(Seq(p{dst = reverse[p.dst_port]._1, dst_port = reverse[p.dst_port]._2}))"));
    }

    private static int LineOf(string text, string needle)
    {
        int index = text.LastIndexOf(needle, StringComparison.Ordinal); // the header comment may quote it too
        Assert.That(index, Is.GreaterThanOrEqualTo(0));
        return text[..index].Count(c => c == '\n') + 1;
    }
}
