using Switchboard.PolicyCheck.Network;

namespace Switchboard.PolicyCheck.Tests.Network;

public class NameRangeTests
{
    [Test]
    public void ExpandsRangesWidthsAndProducts()
    {
        Assert.That(NameRange.Expand("web{1..3}", out _), Is.EqualTo(new[] { "web1", "web2", "web3" }));
        Assert.That(NameRange.Expand("h{08..10}", out _), Is.EqualTo(new[] { "h08", "h09", "h10" }));
        Assert.That(NameRange.Expand("r{1..2}-{1..2}", out _), Is.EqualTo(new[] { "r1-1", "r1-2", "r2-1", "r2-2" }));
        Assert.That(NameRange.Expand("10.0.1.{1..2}", out _), Is.EqualTo(new[] { "10.0.1.1", "10.0.1.2" }));
        Assert.That(NameRange.Expand("plain", out _), Is.EqualTo(new[] { "plain" }));
    }

    [TestCase("web{3..1}", "empty")]
    [TestCase("web{1..}", "not a range")]
    [TestCase("web{a..b}", "not a range")]
    [TestCase("web{1..2", "not closed")]
    [TestCase("web}", "closes no range")]
    [TestCase("h{1..1000}{1..1001}", "more than")]
    public void BadRangesSayWhy(string text, string message)
    {
        Assert.That(NameRange.Expand(text, out var error), Is.Null);
        Assert.That(error, Does.Contain(message));
    }
}
