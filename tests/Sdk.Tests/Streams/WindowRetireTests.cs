using Switchboard.Sdk.Runtime;

namespace Switchboard.Sdk.Tests.Streams;

/// <summary>A window of a retired NF generation hands over its open streams at once instead of at their timeout.</summary>
public class WindowRetireTests
{
    [Test]
    public void FlushForRetire_DeliversEveryOpenStreamsTailNow()
    {
        var rig = new WindowRig(new WindowOptions { WindowSize = 1000, Timeout = TimeSpan.FromMinutes(5) });
        var c = new Conversation();
        rig.Push(c.Syn(), c.Data(0, "hello "), c.Data(6, "world"));
        Assert.That(rig.Calls, Is.Empty, "less than a window, no timeout yet");

        ((IRetireFlush)rig.Node).FlushForRetire();

        Assert.That(rig.Joined(WindowReason.Evicted), Is.EqualTo("hello world"));
        Assert.That(rig.Node.Flows, Is.Zero);
        Assert.That(rig.Harness.InUseDelta, Is.Zero);
    }
}
