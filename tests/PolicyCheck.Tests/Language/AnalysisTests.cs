using Switchboard.PolicyCheck.Language;
using Switchboard.PolicyCheck.Models;

namespace Switchboard.PolicyCheck.Tests.Language;

/// <summary>Flow-parallel / origin-agnostic classification (thesis 4.3.2): firewalls, NATs, IPSes and
/// load balancers are flow-parallel; caches are origin-agnostic but share state across flows.</summary>
public class AnalysisTests
{
    [TestCase("LearningFirewall", true, true)]
    [TestCase("AclFirewall", true, true)]
    [TestCase("IPS", true, true)]
    [TestCase("SNAT", true, true)]
    [TestCase("DNAT", true, true)]
    [TestCase("LoadBalancer", true, true)]
    [TestCase("Cache", false, true)]
    // Listing 4's taint list is keyed by source address: one source's flows affect each other.
    [TestCase("Firewall", false, true)]
    public void LibraryModelClassification(string model, bool flowParallel, bool originAgnostic)
    {
        var c = ModelAnalysis.Classify(ModelLibrary.Load(model));
        Assert.That((c.FlowParallel, c.OriginAgnostic), Is.EqualTo((flowParallel, originAgnostic)), string.Join("\n", c.Reasons));
        // Reasons are given exactly when a property fails.
        Assert.That(c.Reasons, flowParallel && originAgnostic ? Is.Empty : Is.Not.Empty);
    }

    [Test]
    public void CacheSharesContentAcrossFlows()
    {
        var c = ModelAnalysis.Classify(ModelLibrary.Load("Cache"));
        Assert.That(c.Reasons, Has.Some.Contains("state 'cached' is read at request(p), not at flow(p)"));
    }

    [Test]
    public void GatewayOfFlowParallelStagesIsFlowParallel()
    {
        var c = ModelAnalysis.Classify(ModelLibrary.LoadPipeline("Gateway"));
        Assert.That((c.FlowParallel, c.OriginAgnostic), Is.EqualTo((true, true)));
    }

    [Test]
    public void PipelineWithACacheStageIsNotFlowParallel()
    {
        var result = ModelParser.ParseAll(ModelLibrary.Sources().Append(("pipeline Edge(a: Address, acls: Set[(Address, Address)]) {\n  ips = IPS\n  cache = Cache(a, acls)\n}", "edge.vmn")));
        Assert.That(result.Errors, Is.Empty, string.Join("\n", result.Errors));
        var c = ModelAnalysis.Classify(result.FindPipeline("Edge")!);
        Assert.That((c.FlowParallel, c.OriginAgnostic), Is.EqualTo((false, true)));
        Assert.That(c.Reasons, Has.All.StartWith("stage 'cache' (Cache)"));
    }

    [TestCase(4, false)]
    [TestCase(5, true)]
    [TestCase(6, true)]
    [TestCase(7, false)] // as printed, the reverse map is keyed by port, not by connection
    [TestCase(8, true)]
    [TestCase(9, true)]
    [TestCase(10, false)]
    [TestCase(11, true)]
    public void ThesisListingFlowParallelism(int listing, bool flowParallel)
    {
        var c = ModelAnalysis.Classify(Fixtures.ParseListing(listing).Models.Single());
        Assert.That(c.FlowParallel, Is.EqualTo(flowParallel), string.Join("\n", c.Reasons));
        Assert.That(c.OriginAgnostic, Is.True, "no listing decides on a packet's origin");
    }

    private const string OriginModel = """
        class O(h: Host) {
          abstract tag(x: Host): bool
          val seen: Set[Host]
          val last: Map[Flow, Host]
          def model(p: Packet) = {
            RULE
            _ => forward(Seq(p))
          }
        }
        """;

    [TestCase("p.origin == h => forward(Empty)", "the guard of rule 1 depends on the packet's origin")]
    [TestCase("origin(p) != h => forward(Empty)", "the guard of rule 1 depends on the packet's origin")]
    [TestCase("p.src == p.dst => seen.add(p.origin); forward(Empty)", "state 'seen' is keyed by the packet's origin")]
    [TestCase("tag(p.origin) => forward(Empty)", "oracle 'tag' is given the packet's origin")]
    [TestCase("p.src == p.dst => last[flow(p)] = p.origin; forward(Empty)\n    last.contains(flow(p)) && last[flow(p)] == h => forward(Empty)", "the guard of rule 2 depends on the packet's origin")]
    public void DecisionsOnOriginAreNotOriginAgnostic(string rule, string reason)
    {
        var m = Fixtures.SingleModel(OriginModel.Replace("RULE", rule, StringComparison.Ordinal));
        var c = ModelAnalysis.Classify(m);
        Assert.That(c.OriginAgnostic, Is.False);
        Assert.That(c.Reasons, Has.Some.EndsWith(reason), string.Join("\n", c.Reasons));
    }

    [Test]
    public void CopyingOriginThroughStateIsOriginAgnostic()
    {
        var m = Fixtures.SingleModel(OriginModel.Replace("RULE",
            "last.contains(flow(p)) => p.origin = last[flow(p)]; forward(Seq(p))\n    p.src == p.dst => last[flow(p)] = p.origin; forward(Seq(p))", StringComparison.Ordinal));
        var c = ModelAnalysis.Classify(m);
        Assert.That((c.FlowParallel, c.OriginAgnostic), Is.EqualTo((true, true)), string.Join("\n", c.Reasons));
    }

    [Test]
    public void RewritingAnAddressFromOriginIsNotOriginAgnostic()
    {
        var m = Fixtures.SingleModel("""
            class R {
              val home: Map[Host, Address]
              def model(p: Packet) = {
                home.contains(p.origin) => p.dst = home[p.origin]; forward(Seq(p))
                _ => forward(Seq(p))
              }
            }
            """);
        var c = ModelAnalysis.Classify(m);
        Assert.That((c.FlowParallel, c.OriginAgnostic), Is.EqualTo((false, false)));
        Assert.That(c.Reasons, Has.Some.EndsWith("header field dst is computed from the packet's origin"));
    }
}
