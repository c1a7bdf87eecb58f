using Switchboard.Plugins.Firewall;

namespace Switchboard.Plugins.Tests.Firewall;

public class RuleParserTests
{
    [TestCase("", 0, "", "empty rule")]
    [TestCase("   # only a comment", 0, "", "empty rule")]
    [TestCase("permit tcp", 1, "permit", "starts with its action")]
    [TestCase("reject tcp to any port 22", 1, "reject", "not supported; use drop")]
    [TestCase("accept tcpp from 10.0.0.0/8", 2, "tcpp", "unknown word")]
    [TestCase("accept tcp from 10.0.0.1/8", 4, "10.0.0.1/8", "did you mean 10.0.0.0/8")]
    [TestCase("accept from 10.0.0.0/33", 3, "10.0.0.0/33", "prefix length must be 0-32")]
    [TestCase("accept from 2001:db8::/129", 3, "2001:db8::/129", "0-128")]
    [TestCase("accept from 10.0.0", 3, "10.0.0", "not an IPv4 or IPv6 address")]
    [TestCase("accept tcp to any port 70000", 6, "70000", "port must be a number")]
    [TestCase("accept tcp to any port 443-80", 6, "443-80", "did you mean 80-443")]
    [TestCase("accept to any port 53", 4, "port", "need the protocol")]
    [TestCase("accept tcp from 10.0.0.0/8 from 11.0.0.0/8", 5, "from", "already has a from")]
    [TestCase("accept state new,opened", 3, "opened", "new, established, related or invalid")]
    [TestCase("accept tcp to", 3, "to", "the rule ends here")]
    [TestCase("accept from 10.0.0.0/8 to 2001:db8::/32", 5, "2001:db8::/32", "different IP versions")]
    [TestCase("accept ip6 from 10.0.0.0/8", 4, "10.0.0.0/8", "IPv4 address in an ip6 rule")]
    [TestCase("accept proto 300", 3, "300", "unknown protocol")]
    [TestCase("accept ct established", 2, "ct", "expected 'ct state")]
    [TestCase("accept tcp port 80", 3, "port", "follows 'from ADDR' or 'to ADDR'")]
    [TestCase("accept ip6 icmp", 3, "icmp", "icmpv6")]
    [TestCase("accept in eth0", 3, "eth0", "input port number")]
    [TestCase("accept tcp dport 80,", 3, "dport", "the rule ends here")]
    public void BadRulesNameTheWordAndTheReason(string rule, int word, string token, string reason)
    {
        var e = Assert.Throws<RuleSyntaxException>(() => RuleParser.Parse(rule))!;
        Assert.That(e.Reason, Does.Contain(reason));
        Assert.That(e.Word, Is.EqualTo(word), e.Message);
        if (word > 0) Assert.That(e.Message, Does.StartWith($"word {word} '"));
        // The named token is the word (or, within a comma list, the element) at fault.
        Assert.That(token, Does.Contain(e.Token), e.Message);
    }

    private static readonly UInt128 V4 = (UInt128)0xFFFF_0000_0000UL;

    [Test]
    public void ParsesListsRangesAndAliases()
    {
        var r = RuleParser.Parse("allow tcp from 10.0.0.0/8, 192.168.1.5 port 1024:65535 to any port 80,443,8000-8080 state new,established in 2 # web");
        Assert.That(r.Accept, Is.True);
        Assert.That(r.Ranges(RuleField.Source), Is.EqualTo(new[]
        {
            new ValueRange(V4 | 0x0A000000, V4 | 0x0AFFFFFF), new ValueRange(V4 | 0xC0A80105, V4 | 0xC0A80105),
        }));
        Assert.That(r.Ranges(RuleField.Destination), Is.Empty, "any");
        Assert.That(r.Ranges(RuleField.SourcePort), Is.EqualTo(new[] { new ValueRange(1024, 65535) }));
        Assert.That(r.Ranges(RuleField.DestinationPort), Is.EqualTo(new[] { new ValueRange(80, 80), new ValueRange(443, 443), new ValueRange(8000, 8080) }));
        Assert.That(r.Ranges(RuleField.Protocol), Is.EqualTo(new[] { new ValueRange(6, 6) }));
        Assert.That(r.Ranges(RuleField.State), Is.EqualTo(new[] { new ValueRange(0, 1) }), "new and established merge into one range");
        Assert.That(r.Ranges(RuleField.InputPort), Is.EqualTo(new[] { new ValueRange(2, 2) }));
        Assert.That(r.Text, Does.StartWith("allow tcp"));
    }

    [Test]
    public void FamilyKeywordsRestrictAnyAddressToThatFamily()
    {
        var v4 = RuleParser.Parse("drop ip");
        Assert.That(v4.Ranges(RuleField.Source), Is.EqualTo(new[] { new ValueRange(V4, V4 | 0xFFFFFFFF) }));
        var v6 = RuleParser.Parse("drop ip6 udp sport 53");
        Assert.That(v6.Ranges(RuleField.Source), Has.Count.EqualTo(2), "all of IPv6 except ::ffff:0:0/96");
        Assert.That(v6.Ranges(RuleField.Source).Any(x => x.Contains(V4 | 0x0A000001)), Is.False);
        Assert.That(RuleParser.Parse("deny ct state invalid").Ranges(RuleField.State), Is.EqualTo(new[] { new ValueRange(3, 3) }));
        Assert.That(RuleParser.Parse("block from 2001:db8::/32 to port 22 tcp").Ranges(RuleField.DestinationPort), Is.EqualTo(new[] { new ValueRange(22, 22) }));
    }

    [Test]
    public void ParseAllNamesTheRuleIndex()
    {
        var e = Assert.Throws<ArgumentException>(() => RuleParser.ParseAll(["accept state established", "drop udp to any port 53", "accept tcp to any port http"]))!;
        Assert.That(e.Message, Does.StartWith("rules[2]: word 6 'http'"));
    }
}
