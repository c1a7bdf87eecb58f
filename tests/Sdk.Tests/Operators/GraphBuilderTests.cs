using Switchboard.Sdk.Runtime;
using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Sdk.Tests.Operators;

public class GraphBuilderTests
{
    [Test]
    public void Unconnected_ListsEveryUnwiredOutput()
    {
        var h = new GraphHarness { Builder = { Scope = "nf" } };
        var branches = h.Input.Parse<Ethernet>().GroupBy(3, _ => 0);
        h.Capture(branches[1]);
        var tail = branches[2].Compose();
        Assert.That(h.Builder.Unconnected, Is.EquivalentTo(new[] { branches[0].Origin, tail.Origin }));
        Assert.That(branches[0].Origin, Is.EqualTo("nf/group-by[0]"));
        Assert.That(tail.Origin, Is.EqualTo("nf/compose"));
    }

    [Test]
    public void FreshGraph_ReportsItsInput()
    {
        var h = new GraphHarness();
        Assert.That(h.Builder.Unconnected, Is.EqualTo(new[] { "test-input" }));
    }

    [Test]
    public void ConnectingAPipeTwice_ThrowsNamingTheOutput()
    {
        var h = new GraphHarness();
        var parsed = h.Input.Parse<Ethernet>();
        parsed.Parse<Ipv4>();
        var e = Assert.Throws<InvalidOperationException>(() => parsed.Filter(_ => true));
        Assert.That(e!.Message, Does.Contain("'parse-ethernet'").And.Contain("already connected").And.Contain("GroupBy"));
        Assert.Throws<InvalidOperationException>(() => parsed.GroupByFlow(2));
        Assert.Throws<InvalidOperationException>(() => parsed.Drop());
        Assert.That(h.Builder.Nodes, Has.Count.EqualTo(2), "failed calls add no nodes");
    }

    [Test]
    public void ShuffleOnConnectedPipe_ThrowsWithoutTakingASharedKey()
    {
        var shared = new SharedRegistry();
        var h = new GraphHarness(shared: shared);
        var parsed = h.Input.Parse<Ethernet>();
        parsed.Drop();
        Assert.Throws<InvalidOperationException>(() => parsed.ShuffleByFlow());
        Assert.That(h.Builder.NextSharedKey("shuffle"), Does.EndWith("@0"));
    }

    [Test]
    public void NodeNames_AreUniquePerKind()
    {
        var h = new GraphHarness();
        h.Input.Filter(_ => true).Filter(_ => true).Transform(_ => { }).Drop();
        Assert.That(h.Builder.Nodes.Select(n => n.Name), Is.EqualTo(new[] { "filter", "filter#2", "transform", "drop" }));
    }

    [Test]
    public void Successors_FollowTheWiring()
    {
        var h = new GraphHarness();
        var b = h.Input.GroupBy(2, _ => 0);
        var merged = Pipe.Merge(b[0].Compose("a"), b[1]);
        h.Capture(merged);
        var groupBy = h.Builder.Nodes[0];
        Assert.That(groupBy.Successors.Select(n => n.Name), Is.EqualTo(new[] { "a", "merge" }));
        Assert.That(groupBy.Successors.First().Successors.Single().Name, Is.EqualTo("merge"));
    }
}
