using Switchboard.PolicyCheck.Language;
using Switchboard.PolicyCheck.Models;

namespace Switchboard.PolicyCheck.Tests.Language;

/// <summary>The shipped model library (PolicyCheck/Models/*.vmn) checks and means what its comments say.</summary>
public class LibraryTests
{
    private static readonly string[] ModelNames =
        ["Firewall", "AclFirewall", "LearningFirewall", "IPS", "SNAT", "DNAT", "LoadBalancer", "Cache"];

    [Test]
    public void EveryLibraryFileChecksOnItsOwnOrWithTheModelsItUses()
    {
        foreach (var (text, file) in ModelLibrary.Sources().Where(s => !s.FileName.EndsWith("Gateway.vmn", StringComparison.Ordinal)))
        {
            var result = ModelParser.Parse(text, file);
            Assert.That(result.Errors, Is.Empty, $"{file}:\n{string.Join("\n", result.Errors)}");
        }
        Assert.That(ModelLibrary.All.Errors, Is.Empty);
    }

    [Test]
    public void LibraryHoldsEveryThesisModelAndTheGateway()
    {
        Assert.That(ModelLibrary.Names, Is.EquivalentTo(ModelNames.Append("Forwarder").Append("Gateway")));
        foreach (var name in ModelNames)
            Assert.That(ModelLibrary.Load(name.ToLowerInvariant()).Name, Is.EqualTo(name), "names are case-insensitive");
    }

    [Test]
    public void UnknownNamesAreRejectedWithTheAvailableOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelLibrary.Load("Proxy"))!;
        Assert.That(e.Message, Does.Contain("no model 'Proxy'").And.Contain("LearningFirewall"));
        Assert.That(ModelLibrary.TryLoad("Proxy", out _), Is.False);
        Assert.Throws<ArgumentException>(() => ModelLibrary.LoadPipeline("Firewall"));
    }

    [Test]
    public void FirewallAclIsAnAllowList()
    {
        var m = ModelLibrary.Load("Firewall");
        Assert.That(AstPrinter.Print(m.Rules[1]), Is.EqualTo("!acls.contains((p.src, p.dst)) => forward(Empty)"));
        Assert.That(m.Rules[^1].Forward.Drops, Is.False);
    }

    [Test]
    public void LearningFirewallAllowsListedPairsAndEstablishedFlowsOnly()
    {
        var m = ModelLibrary.Load("LearningFirewall");
        Assert.That(Fixtures.Rules(m), Is.EqualTo(
            "established.contains(flow(p)) => forward(Seq(p))\n" +
            "acl.contains((p.src, p.dst)) => established.add(flow(p)); forward(Seq(p))\n" +
            "_ => forward(Empty)"));
    }

    [Test]
    public void AclFirewallDefaultsToDrop()
    {
        var m = ModelLibrary.Load("AclFirewall");
        Assert.That(m.Parameters.Single().Type, Is.EqualTo(new ListType(new RecordType("AclRule"))));
        Assert.That(m.Rules[0].Guard, Is.Not.Null);
        Assert.That(m.Rules[0].Actions.Single(), Is.InstanceOf<SetAdd>(), "an accepted packet establishes its connection");
        Assert.That(m.Rules[1].IsDefault && m.Rules[1].Forward.Drops, Is.True);
    }

    [Test]
    public void SnatRemembersTheTranslatedConnectionForReplies()
    {
        var m = ModelLibrary.Load("SNAT");
        var newConnection = m.Rules[^1];
        Assert.That(newConnection.Actions.Select(AstPrinter.Print), Is.EqualTo(new[]
        {
            "active[flow(p)] = remapped_port(p)",
            "reverse[flow(p{src = nat_address, src_port = remapped_port(p)})] = (p.src, p.src_port)",
        }));
        Assert.That(AstPrinter.Print(m.Rules[1]), Is.EqualTo("p.dst == nat_address => forward(Empty)"), "unsolicited inbound packets are dropped");
    }

    [Test]
    public void DnatReadsThePublicEndpointBeforeRewriting()
    {
        var m = ModelLibrary.Load("DNAT");
        var packet = (PacketExpr)m.Rules[0].Forward.Packets.Single();
        Assert.That(AstPrinter.Print(packet.Override(PacketField.DstPort)!), Is.EqualTo("translations[(p.dst, p.dst_port)]._2"));
    }

    [Test]
    public void CacheAnswersHitsWithTheCachedOrigin()
    {
        var m = ModelLibrary.Load("Cache");
        var hit = m.Rules[2];
        var reply = (PacketExpr)hit.Forward.Packets.Single();
        Assert.That(AstPrinter.Print(reply.Override(PacketField.Origin)!), Is.EqualTo("cache_origin[request(p)]"));
        Assert.That(AstPrinter.Print(reply.Override(PacketField.Dst)!), Is.EqualTo("p.src"));
        Assert.That(m.Oracles.Single(o => o.Name == "cacheable").ParameterTypes, Is.EqualTo(new[] { VmnType.Int }));
        Assert.That(m.FindState("cache_origin")!.Type, Is.EqualTo(new MapType(VmnType.Int, VmnType.Host)));
    }

    [Test]
    public void APluginModelMayComposeLibraryModels()
    {
        var result = ModelLibrary.ParseWithLibrary("pipeline Edge(acl: Set[(Address, Address)]) {\n  fw = LearningFirewall(acl)\n  IPS\n}", "plugin.vmn");
        Assert.That(result.Errors, Is.Empty, string.Join("\n", result.Errors));
        Assert.That(result.Models, Is.Empty, "library declarations are not part of the plugin's result");
        Assert.That(result.Pipelines.Single().Stages.Select(s => s.Model.Name), Is.EqualTo(new[] { "LearningFirewall", "IPS" }));

        var clash = ModelLibrary.ParseWithLibrary("class IPS {\n  def model(p: Packet) = { _ => forward(Seq(p)) }\n}", "plugin.vmn");
        Assert.That(clash.Errors.Single().ToString(), Does.StartWith("plugin.vmn:1:7: error: duplicate declaration 'IPS' (first declared at Models/Ips.vmn:"));
    }

    [Test]
    public void GatewayIsAPipelineOfLibraryModels()
    {
        var g = ModelLibrary.LoadPipeline("gateway");
        Assert.That(g.Stages.Select(s => (s.Name, s.Model.Name)), Is.EqualTo(new[] { ("ips", "IPS"), ("firewall", "LearningFirewall"), ("nat", "SNAT") }));
        Assert.That(g.Stages[1].Args.Single(), Is.InstanceOf<ParamRef>().With.Property("Param").Property("Name").EqualTo("acl"));
        Assert.That(AstPrinter.Print(g.ReverseWhen!), Is.EqualTo("p.dst == public_address"));
    }
}
