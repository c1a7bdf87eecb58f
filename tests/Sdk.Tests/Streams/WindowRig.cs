using Switchboard.Sdk.Runtime;
using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Sdk.Tests.Streams;

/// <summary>A harness with Parse&lt;Ethernet, Ipv4, Tcp&gt;().Window(...) -> Capture.</summary>
internal sealed class WindowRig
{
    public readonly GraphHarness Harness = new();
    public readonly List<WindowCall> Calls = [];
    public readonly Capture Output;
    public readonly WindowNode<Recorder> Node;

    public WindowRig(WindowOptions options, bool emitUpper = false)
    {
        Output = Harness.Capture(Harness.Input.Parse<Ethernet>().Parse<Ipv4>().Parse<Tcp>().Window(options, new Recorder(Calls, emitUpper)));
        Node = Harness.Builder.Nodes.OfType<WindowNode<Recorder>>().Single();
    }

    public void Push(params byte[][] frames) => Harness.Push(frames);

    /// <summary>Poll the schedulables as if <paramref name="after"/> had passed since now.</summary>
    public int PollAfter(TimeSpan after) => Harness.Poll(CoreContext.Now + (long)(after.TotalSeconds * System.Diagnostics.Stopwatch.Frequency));

    public string Joined(WindowReason? reason = null) =>
        string.Concat(Calls.Where(c => reason is null || c.Reason == reason).Select(c => c.Text));
}
