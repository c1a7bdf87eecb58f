using System.Text;
using Switchboard.Plugins.Ips;
using Switchboard.Sdk;

namespace Switchboard.Plugins.Tests.Ips;

public class RuleParserTests
{
    [Test]
    public void ParsesHeaderAndOptions()
    {
        var r = RuleParser.Parse("drop tcp 10.0.0.0/8 any -> 192.168.1.5 80:90 (msg:\"evil; thing\"; content:\"GET |2F 61|\"; nocase; offset:2; depth:20; " +
                                 "content:\"x\"; distance:1; within:5; flow:established,to_server; sid:1001; rev:2;)");
        Assert.That(r.Action, Is.EqualTo(IpsAction.Drop));
        Assert.That(r.Protocol, Is.EqualTo(IpsProtocol.Tcp));
        Assert.That(r.Source, Is.EqualTo(new IpsPrefix(0x0A000000, 8)));
        Assert.That(r.SourcePorts, Is.EqualTo(IpsPorts.Any));
        Assert.That(r.Destination, Is.EqualTo(new IpsPrefix(0xC0A80105, 32)));
        Assert.That(r.DestinationPorts, Is.EqualTo(new IpsPorts(80, 90)));
        Assert.That(r.Message, Is.EqualTo("evil; thing"));
        Assert.That(r.Sid, Is.EqualTo(1001));
        Assert.That(r.Flow, Is.EqualTo(IpsFlowDirection.ToServer));
        Assert.That(r.Contents, Has.Count.EqualTo(2));
        Assert.That(Encoding.Latin1.GetString(r.Contents[0].Pattern), Is.EqualTo("GET /a"));
        Assert.That(r.Contents[0], Is.EqualTo(r.Contents[0] with { NoCase = true, Offset = 2, Depth = 20, Distance = -1, Within = -1 }));
        Assert.That(r.Contents[1].Distance, Is.EqualTo(1));
        Assert.That(r.Contents[1].Within, Is.EqualTo(5));
    }

    [Test]
    public void ParsesUdpAnyAndOpenPortRanges()
    {
        var r = RuleParser.Parse("alert udp any 1024: -> any :53 (content:\"|00 01|\"; sid:7;)");
        Assert.That(r.Protocol, Is.EqualTo(IpsProtocol.Udp));
        Assert.That(r.Action, Is.EqualTo(IpsAction.Alert));
        Assert.That(r.SourcePorts, Is.EqualTo(new IpsPorts(1024, 65535)));
        Assert.That(r.DestinationPorts, Is.EqualTo(new IpsPorts(0, 53)));
        Assert.That(r.Contents[0].Pattern, Is.EqualTo(new byte[] { 0, 1 }));
    }

    [TestCase("reject tcp any any -> any any (content:\"a\"; sid:1;)", "unknown action")]
    [TestCase("drop icmp any any -> any any (content:\"a\"; sid:1;)", "unknown protocol")]
    [TestCase("drop tcp any any <> any any (content:\"a\"; sid:1;)", "'->'")]
    [TestCase("drop tcp 10.0.0.300 any -> any any (content:\"a\"; sid:1;)", "bad address")]
    [TestCase("drop tcp 10.0.0.0/33 any -> any any (content:\"a\"; sid:1;)", "prefix length")]
    [TestCase("drop tcp any 90:80 -> any any (content:\"a\"; sid:1;)", "empty port range")]
    [TestCase("drop tcp any any -> any 70000 (content:\"a\"; sid:1;)", "bad port")]
    [TestCase("drop tcp any any -> any any (content:\"a\";)", "missing sid")]
    [TestCase("drop tcp any any -> any any (msg:\"x\"; sid:1;)", "at least one content")]
    [TestCase("drop tcp any any -> any any (nocase; content:\"a\"; sid:1;)", "must follow a content")]
    [TestCase("drop tcp any any -> any any (content:\"|4G|\"; sid:1;)", "bad hex")]
    [TestCase("drop tcp any any -> any any (content:\"|41\"; sid:1;)", "unterminated |hex|")]
    [TestCase("drop tcp any any -> any any (content:\"abc; sid:1;)", "unterminated quote")]
    [TestCase("drop tcp any any -> any any (content:\"a\"; pcre:\"/a/\"; sid:1;)", "unsupported option 'pcre'")]
    [TestCase("drop tcp any any -> any any (content:\"abc\"; depth:2; sid:1;)", "depth is shorter")]
    [TestCase("drop tcp any any -> any any (content:\"a\"; distance:1; sid:1;)", "previous content")]
    [TestCase("drop tcp any any -> any any (content:\"a\"; offset:x; sid:1;)", "offset needs a number")]
    [TestCase("drop tcp any any -> any any content:\"a\"; sid:1;", "parentheses")]
    [TestCase("drop tcp any any -> any (content:\"a\"; sid:1;)", "before the options")]
    public void RejectsBadRules(string rule, string expected)
    {
        var e = Assert.Throws<IpsRuleException>(() => RuleParser.Parse(rule));
        Assert.That(e!.Message, Does.Contain(expected));
    }

    [Test]
    public void ConfigErrorsNameTheRuleByJsonPath()
    {
        string[] rules = ["drop tcp any any -> any any (content:\"a\"; sid:1;)", "drop tcp any any -> any any (content:\"b\"; sid:1;)"];
        var e = Assert.Throws<ConfigException>(() => RuleParser.ParseAll(rules, (i, x) => new ConfigException($"$.nfs.ips.config.rules[{i}]", x.Message)));
        Assert.That(e!.JsonPath, Is.EqualTo("$.nfs.ips.config.rules[1]"));
        Assert.That(e.Reason, Does.Contain("duplicate sid 1"));
    }
}
