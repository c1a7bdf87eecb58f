using Switchboard.PolicyCheck.Language;

namespace Switchboard.PolicyCheck.Tests.Language;

/// <summary>The checker's normal form (Ast.cs): statements run in order, locals are inlined, header
/// writes are substituted into later reads, state reads see the state before the packet.</summary>
public class NormalFormTests
{
    [Test]
    public void LaterReadsSeeEarlierHeaderWrites()
    {
        // Listing 8 as printed: the second lookup runs after p.dst was rewritten, so it looks up the
        // translated destination - a slip in the listing that the library DNAT avoids.
        var m = Fixtures.ParseListing(8).Models.Single();
        var packet = (PacketExpr)m.Rules[0].Forward.Packets.Single();
        Assert.That(AstPrinter.Print(packet.Override(PacketField.DstPort)!),
            Is.EqualTo("translations[(translations[(p.dst, p.dst_port)]._1, p.dst_port)]._2"));
        Assert.That(AstPrinter.Print(m.Rules[0].Actions.Single()), Does.EndWith("= (p.dst, p.dst_port)"), "locals keep the value they were given");
    }

    [Test]
    public void FlowOfARewrittenPacketUsesTheNewHeaders()
    {
        var m = Fixtures.SingleModel("""
            class N(a: Address) {
              val m: Map[Flow, Address]
              def model(p: Packet) = {
                _ => old = p.src; p.src = a; m[flow(p)] = old; forward(Seq(p))
              }
            }
            """);
        Assert.That(AstPrinter.Print(m.Rules[0]), Is.EqualTo("_ => m[flow(p{src = a})] = p.src; forward(Seq(p{src = a}))"));
        Assert.That(m.Rules[0].Rewrites.Single().Field, Is.EqualTo(PacketField.Src));
    }

    [Test]
    public void ReadingStateJustWrittenAtTheSameKeyGivesTheWrittenValue()
    {
        var m = Fixtures.ParseListing(9).Models.Single();
        Assert.That(AstPrinter.Print(m.Rules[1]), Is.EqualTo(
            "_ => assigned[flow(p)] = backends[pick_backend(p)]; forward(Seq(p{dst = backends[pick_backend(p)]}))"));
    }

    [Test]
    public void MembershipAfterAddOrRemoveIsKnown()
    {
        var m = Fixtures.SingleModel("""
            class S {
              val s: Set[Flow]
              val t: Set[Flow]
              def model(p: Packet) = {
                s.contains(flow(p)) => s.remove(flow(p)); t.add(flow(p)); p.seq = 1; forward(Seq(p))
                _ => forward(Seq(p))
              }
            }
            """);
        Assert.That(m.Rules[0].Actions.Select(AstPrinter.Print), Is.EqualTo(new[] { "s.remove(flow(p))", "t.add(flow(p))" }));
        Assert.That(m.Rules[0].Rewrites.Single().Value, Is.EqualTo(new IntLit(1, m.Rules[0].Rewrites.Single().Value.Span)));
    }

    [Test]
    public void ModelLevelValsAreInlinedOnTheReceivedPacket()
    {
        var m = Fixtures.SingleModel("""
            class V(a: Address) {
              val s: Set[Flow]
              def model(p: Packet) = {
                val f = flow(p)
                s.contains(f) => p.src = a; s.add(f); forward(Seq(p))
                _ => forward(Empty)
              }
            }
            """);
        Assert.That(AstPrinter.Print(m.Rules[0]), Is.EqualTo("s.contains(flow(p)) => s.add(flow(p)); forward(Seq(p{src = a}))"));
    }

    [Test]
    public void FirstMatchFiringConditions()
    {
        var m = Fixtures.ParseListing(4).Models.Single();
        Assert.That(AstPrinter.Print(m.FiringCondition(0)), Is.EqualTo("tainted.contains(p.src)"));
        Assert.That(AstPrinter.Print(m.FiringCondition(2)),
            Is.EqualTo("!tainted.contains(p.src) && (!acls.contains((p.src, p.dst)) && malicious(p))"));
        Assert.That(AstPrinter.Print(m.FiringCondition(3)),
            Is.EqualTo("!tainted.contains(p.src) && (!acls.contains((p.src, p.dst)) && (!malicious(p) && true))"));
    }

    [Test]
    public void OptionMembersReadTheDefinedValue()
    {
        var m = Fixtures.SingleModel("""
            case class R(range: Option[(Int, Int)], ok: Bool)
            class L(rules: List[R]) {
              def model(p: Packet) = {
                val r = rules.findFirst(x => x.range.isEmpty || x.range._1 <= p.dst_port)
                r.isDefined && r.ok => forward(Seq(p))
                _ => forward(Empty)
              }
            }
            """);
        var guard = (Binary)m.Rules[0].Guard!;
        var ok = (RecordGet)guard.Right;
        Assert.That(ok.Record, Is.InstanceOf<OptionGet>());
        Assert.That(ok.Type, Is.EqualTo(VmnType.Bool));
    }
}
