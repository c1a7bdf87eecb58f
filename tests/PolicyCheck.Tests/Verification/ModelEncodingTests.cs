using Switchboard.PolicyCheck.Verification;
using static Switchboard.PolicyCheck.Tests.Verification.Nets;

namespace Switchboard.PolicyCheck.Tests.Verification;

/// <summary>Each library model compiled into axioms: an invariant it enforces holds, one it does not is violated
/// with a trace through it.</summary>
public class ModelEncodingTests
{
    [Test]
    public async Task LearningFirewallLetsRepliesInButNoUnsolicitedConnections()
    {
        var net = Line("LearningFirewall", """{ "acl": [["a", "b"]] }""", string.Join(",",
            Inv("reply", "isolation", "b", "h1"),
            Inv("in", "flow-isolation", "b", "h1"),
            Inv("out", "flow-isolation", "a", "h2")));
        var reply = await Verify(net, "reply");
        Assert.That(reply.Verdict, Is.EqualTo(Verdict.Violated), "a reply on a connection h1 opened reaches h1");
        var trace = reply.Trace!;
        Assert.That(trace.PacketEvents.Where(e => e.Kind == TraceEventKind.Receive).Select(e => e.To).Last(), Is.EqualTo("h1"));
        var state = trace.Events.Single(e => e.Kind == TraceEventKind.State);
        Assert.That(state.Detail, Does.StartWith("nf.established holds flow"), "the trace says why the firewall let the reply in");
        Assert.That(trace.PacketEvents.Select(e => $"{e.Kind} {e.From}->{e.To}"), Does.Contain("Send h1->nf").And.Contain("Receive h1->nf"),
            "and shows h1 opening the connection");
        Assert.That((await Verify(net, "in")).Verdict, Is.EqualTo(Verdict.Holds), "b reaches h1 only on connections h1 opened");
        Assert.That((await Verify(net, "out")).Verdict, Is.EqualTo(Verdict.Violated), "a may open connections to b");
    }

    [Test]
    public async Task ListingFourFirewallDropsTheDeniedPairAndTheOracleShowsInTheTrace()
    {
        var net = Line("Firewall", """{ "acls": { "allow": [["a", "b"]] } }""", string.Join(",",
            Inv("ba", "isolation", "b", "h1"), Inv("ab", "isolation", "a", "h3")));
        Assert.That((await Verify(net, "ba")).Verdict, Is.EqualTo(Verdict.Holds));
        var ab = await Verify(net, "ab");
        Assert.That(ab.Verdict, Is.EqualTo(Verdict.Violated));
        Assert.That(ab.Trace!.Events.Where(e => e.Kind == TraceEventKind.Oracle).Select(e => e.Detail), Has.Some.EqualTo("nf.malicious(packet) = false"), ab.Trace.ToString());
    }

    [Test]
    public async Task DenyListOnASetAclMeansEveryOtherPair()
    {
        var net = Line("Firewall", """{ "deny": [["b", "a"]] }""", string.Join(",",
            Inv("ba", "isolation", "b", "h1"), Inv("ab", "isolation", "a", "h2")));
        Assert.That((await Verify(net, "ba")).Verdict, Is.EqualTo(Verdict.Holds));
        Assert.That((await Verify(net, "ab")).Verdict, Is.EqualTo(Verdict.Violated));
    }

    [Test]
    public async Task RuleListFirewallFirstMatchDecides()
    {
        // h2 is rejected by the first rule, the rest of b accepted by the second; a is never accepted.
        var net = Line("AclFirewall", """
            { "acls": [ { "src": "10.0.2.1/32", "accept": false }, { "src": "b", "dst": "a", "accept": true } ] }
            """, string.Join(",", Inv("h2", "isolation", "h2", "h1"), Inv("h3", "isolation", "h3", "h1"), Inv("a", "isolation", "a", "b")));
        Assert.That((await Verify(net, "h2")).Verdict, Is.EqualTo(Verdict.Holds));
        Assert.That((await Verify(net, "h3")).Verdict, Is.EqualTo(Verdict.Violated));
        Assert.That((await Verify(net, "a")).Verdict, Is.EqualTo(Verdict.Holds));
    }

    [Test]
    public async Task IpsPassesWhatTheOracleDoesNotFlag()
    {
        var net = Line("IPS", "{}", Inv("ab", "isolation", "a", "h2"));
        var ab = await Verify(net, "ab");
        Assert.That(ab.Verdict, Is.EqualTo(Verdict.Violated));
        Assert.That(ab.Trace!.Events.Where(e => e.Kind == TraceEventKind.Oracle).Select(e => e.Detail), Has.Some.EqualTo("nf.malicious(packet) = false"));
    }

    [Test]
    public async Task LoadBalancerSendsOnlyToItsBackends()
    {
        var net = Line("LoadBalancer", """{ "backends": ["h2"] }""", string.Join(",",
            Inv("h2", "isolation", "a", "h2"), Inv("h3", "isolation", "a", "h3")));
        var h2 = await Verify(net, "h2");
        Assert.That(h2.Verdict, Is.EqualTo(Verdict.Violated));
        Assert.That(h2.Trace!.PacketEvents.Last().Packet!.Destination, Is.EqualTo("10.0.2.1"));
        Assert.That((await Verify(net, "h3")).Verdict, Is.EqualTo(Verdict.Holds), "every packet through the LB is rewritten to a backend");
    }

    [Test]
    public async Task SourceNatHidesThePrivateSideAndLetsRepliesBack()
    {
        var net = Line("SNAT", """{ "nat_address": "nf" }""", string.Join(",",
            Inv("reply", "isolation", "b", "h1"), Inv("in", "flow-isolation", "b", "h1")));
        Assert.That((await Verify(net, "reply")).Verdict, Is.EqualTo(Verdict.Violated), "replies are translated back to h1");
        Assert.That((await Verify(net, "in")).Verdict, Is.EqualTo(Verdict.Holds), "only on connections h1 opened");
    }

    [Test]
    public async Task DestinationNatPublishesOnlyTheTranslatedService()
    {
        var net = Line("DNAT", """{ "translations": [ [["nf", 80], ["h2", 8080]] ] }""", string.Join(",",
            Inv("h2", "isolation", "a", "h2"), Inv("port", "isolation", "a", "h2")));
        Assert.That((await Verify(net, "h2")).Verdict, Is.EqualTo(Verdict.Violated));
    }

    [Test]
    public async Task GatewayPipelineRunsIpsFirewallAndNatInOrder()
    {
        var net = Line("Gateway", """{ "acl": [["a", "b"]], "public_address": "nf" }""", string.Join(",",
            Inv("in", "flow-isolation", "b", "h1"), Inv("out", "isolation", "nf", "h2")));
        Assert.That((await Verify(net, "in")).Verdict, Is.EqualTo(Verdict.Holds));
        var result = await Verify(net, "out");
        Assert.That(result.Verdict, Is.EqualTo(Verdict.Violated), "a's connections leave with the public address");
        Assert.That(result.Trace!.Events.Select(e => e.Detail ?? ""), Has.Some.Contains("nf.ips.malicious"), result.Trace.ToString());
        Assert.That(result.Trace.PacketEvents.Last().Packet!.Source, Is.EqualTo("10.0.9.1"), "translated to the public address");
    }

    [Test]
    public async Task ContentCacheServesOnlyAllowedClients()
    {
        // h2 is the origin server; the cache (nf) lets a fetch from b and caches it; h3 (b) is not allowed.
        var net = Line("Cache", """{ "address": "nf", "acls": [["a", "h2"]] }""", string.Join(",",
            Inv("h1", "data-isolation", "h2", "h1"), Inv("h3", "data-isolation", "h2", "h3")));
        var h1 = await Verify(net, "h1");
        Assert.That(h1.Verdict, Is.EqualTo(Verdict.Violated));
        Assert.That(h1.Trace!.PacketEvents.Last().Packet!.Origin, Is.EqualTo("h2"));
        Assert.That((await Verify(net, "h3")).Verdict, Is.EqualTo(Verdict.Holds));
    }
}
