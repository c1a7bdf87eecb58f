using System.Text;

namespace Switchboard.Sdk.Tests.Streams;

public class WindowReassemblyTests
{
    private const string Text = "the quick brown fox jumps over the lazy dog 0123456789";

    [Test]
    public void InOrderStream_WindowsHaveConfiguredSizeAndSlide()
    {
        var rig = new WindowRig(new WindowOptions { WindowSize = 10, Slide = 5 });
        var c = new Conversation();
        rig.Push(c.Syn(), c.SynAck(), c.Data(0, Text[..7]), c.Data(7, Text[7..15]), c.Data(15, Text[15..25]));

        var full = rig.Calls.Where(x => x.Reason == WindowReason.Full).ToList();
        Assert.That(full.Select(x => x.Offset), Is.EqualTo(new long[] { 0, 5, 10, 15 }));
        foreach (var w in full) Assert.That(w.Text, Is.EqualTo(Text.Substring((int)w.Offset, 10)));
        Assert.That(full.All(w => w.Direction == StreamDirection.ClientToServer && w.Flow == c.ClientKey), Is.True);
        Assert.That(rig.Harness.InUseDelta, Is.Zero);
    }

    [Test]
    public void TumblingWindows_DefaultSlideIsWindowSize()
    {
        var rig = new WindowRig(new WindowOptions { WindowSize = 8 });
        var c = new Conversation();
        rig.Push(c.Syn(), c.Data(0, Text[..20]), c.Data(20, Text[20..32]));
        Assert.That(rig.Calls.Select(x => x.Offset), Is.EqualTo(new long[] { 0, 8, 16, 24 }));
        Assert.That(rig.Joined(), Is.EqualTo(Text[..32]));
    }

    [Test]
    public void OutOfOrderAndDuplicatedSegments_AreReassembledExactly()
    {
        var rig = new WindowRig(new WindowOptions { WindowSize = 8 }); // 54 bytes: 6 windows and a 6-byte tail
        var c = new Conversation();
        // Segments of 5 bytes, delivered shuffled, with exact duplicates and overlapping retransmissions.
        var order = new[] { 3, 0, 5, 1, 1, 4, 7, 6, 2, 9, 8, 10 };
        var frames = new List<byte[]> { c.Syn() };
        foreach (int i in order)
        {
            int start = i * 5, len = Math.Min(5, Text.Length - start);
            if (len > 0) frames.Add(c.Data(start, Text.Substring(start, len)));
        }
        frames.Add(c.Data(12, Text.Substring(12, 9))); // overlaps bytes already delivered
        frames.Add(c.Data(0, Text[..3]));
        rig.Push(frames.ToArray());
        rig.Push(c.Fin(Text.Length));

        Assert.That(rig.Joined(), Is.EqualTo(Text));
        Assert.That(rig.Calls.Last().Reason, Is.EqualTo(WindowReason.Closed));
        Assert.That(rig.Node.DuplicateBytes, Is.GreaterThan(0));
        Assert.That(rig.Harness.InUseDelta, Is.Zero);
    }

    [Test]
    public void SignatureSplitAcrossOutOfOrderSegments_IsSeenWholeInOneWindow()
    {
        const string stream = "GET /index.html HTTP/1.1\r\nX-Payload: EVIL-SIGNATURE-42\r\n\r\n";
        int cut = stream.IndexOf("SIGNATURE", StringComparison.Ordinal);
        var rig = new WindowRig(new WindowOptions { WindowSize = stream.Length });
        var c = new Conversation();
        rig.Push(c.Syn(), c.Data(cut, stream[cut..]));
        Assert.That(rig.Calls, Is.Empty, "the second half alone is not a window");
        rig.Push(c.Data(0, stream[..cut]));

        Assert.That(rig.Calls, Has.Count.EqualTo(1));
        Assert.That(rig.Calls[0].Text, Does.Contain("EVIL-SIGNATURE-42"));
        Assert.That(rig.Harness.InUseDelta, Is.Zero);
    }

    [Test]
    public void SequenceNumbersWrapAround()
    {
        var rig = new WindowRig(new WindowOptions { WindowSize = 16 });
        var c = new Conversation(clientIsn: 0xFFFF_FFF0); // first data byte at 0xFFFFFFF1: wraps after 15 bytes
        rig.Push(c.Syn(), c.Data(20, Text[20..32]), c.Data(0, Text[..10]), c.Data(10, Text[10..20]));
        rig.Push(c.Data(32, Text[32..40]), c.Fin(40));

        Assert.That(rig.Calls.Select(x => x.Offset), Is.EqualTo(new long[] { 0, 16, 32 }));
        Assert.That(rig.Joined(), Is.EqualTo(Text[..40]));
        Assert.That(rig.Harness.InUseDelta, Is.Zero);
    }

    [Test]
    public void MidStreamPickup_StartsAtFirstSeenSegment()
    {
        var rig = new WindowRig(new WindowOptions { WindowSize = 5 });
        var c = new Conversation();
        rig.Push(c.Data(100, "abcdefghij"), c.Data(90, "0123456789"), c.Data(110, "klm"));
        Assert.That(rig.Joined(), Is.EqualTo("abcdefghij"), "bytes before the first seen segment are ignored");
        Assert.That(rig.Calls[0].Offset, Is.Zero);
        Assert.That(rig.Calls[0].Direction, Is.EqualTo(StreamDirection.Unknown));
        rig.Push(c.Data(113, "no"));
        Assert.That(rig.Joined(), Is.EqualTo("abcdefghijklmno"));
    }

    [Test]
    public void BothDirectionsAreReassembledSeparately()
    {
        var rig = new WindowRig(new WindowOptions { WindowSize = 4 });
        var c = new Conversation();
        rig.Push(c.Syn(), c.SynAck(), c.Data(0, "ping"), c.ServerData(0, "pong"));
        Assert.That(rig.Calls.Select(x => (x.Direction, x.Text)), Is.EqualTo(new[]
        {
            (StreamDirection.ClientToServer, "ping"), (StreamDirection.ServerToClient, "pong"),
        }));
        Assert.That(rig.Calls[1].Flow, Is.EqualTo(c.ClientKey.Reverse()));
    }

    [Test]
    public void PerFlowBufferBound_DropsBytesBeyondIt()
    {
        var rig = new WindowRig(new WindowOptions { WindowSize = 50, MaxBufferBytes = 64 });
        var c = new Conversation();
        string far = new('x', 40);
        rig.Push(c.Syn(), c.Data(60, far), c.Data(1000, far));
        Assert.That(rig.Node.OverflowBytes, Is.EqualTo(36 + 40), "only bytes up to offset 64 are kept");
        rig.Push(c.Data(0, new string('a', 60)));
        Assert.That(rig.Calls, Has.Count.EqualTo(1));
        Assert.That(rig.Calls[0].Text, Is.EqualTo(new string('a', 50)));
        // The kept 4 bytes of the far segment joined the stream; after compaction the stream goes on.
        rig.Push(c.Data(64, new string('b', 36)));
        Assert.That(rig.Calls, Has.Count.EqualTo(2));
        Assert.That(rig.Calls[1].Text, Is.EqualTo(new string('a', 10) + "xxxx" + new string('b', 36)));
        Assert.That(rig.Harness.InUseDelta, Is.Zero);
    }

    [Test]
    public void OutOfOrderIslandsAreBounded()
    {
        var rig = new WindowRig(new WindowOptions { WindowSize = 1000 });
        var c = new Conversation();
        rig.Push(c.Syn());
        for (int i = 1; i <= StreamState.MaxIslands + 1; i++) rig.Push(c.Data(i * 10, "xy"));
        Assert.That(rig.Node.OverflowBytes, Is.EqualTo(2), "one island more than the bound is dropped");
        rig.Push(c.Data(0, "0123456789"), c.Data(10 * (StreamState.MaxIslands + 1), "xy"));
        Assert.That(rig.Node.OverflowBytes, Is.EqualTo(2), "once the first gap fills, the retransmission fits");
        rig.PollAfter(TimeSpan.FromMinutes(1));
        Assert.That(rig.Calls[0].Text, Is.EqualTo("0123456789xy"));
        Assert.That(rig.Calls, Has.Count.EqualTo(StreamState.MaxIslands + 1));
        Assert.That(rig.Calls[^1].Offset, Is.EqualTo(10 * (StreamState.MaxIslands + 1)));
    }

    [Test]
    public void LongStream_StaysWithinBufferBound()
    {
        var rig = new WindowRig(new WindowOptions { WindowSize = 100, Slide = 30, MaxBufferBytes = 256 });
        var c = new Conversation();
        var sb = new StringBuilder();
        for (int i = 0; i < 400; i++) sb.Append((char)('a' + i % 26));
        string all = sb.ToString();
        rig.Push(c.Syn());
        for (int off = 0; off < all.Length; off += 37) rig.Push(c.Data(off, all.Substring(off, Math.Min(37, all.Length - off))));
        Assert.That(rig.Node.OverflowBytes, Is.Zero);
        var full = rig.Calls.Where(x => x.Reason == WindowReason.Full).ToList();
        Assert.That(full, Has.Count.EqualTo((all.Length - 100) / 30 + 1));
        foreach (var w in full) Assert.That(w.Text, Is.EqualTo(all.Substring((int)w.Offset, 100)));
    }
}
