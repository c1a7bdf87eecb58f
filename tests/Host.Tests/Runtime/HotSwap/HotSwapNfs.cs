using Switchboard.Sdk;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Tests.Runtime.HotSwap;

/// <summary>A shuffle alone: the other NF type the replace test alternates with (cross-core rings to drain).</summary>
[NetworkFunction("test-shuffle-only")]
public sealed class ShuffleOnlyNf : INetworkFunction
{
    public Pipe Build(Pipe input, NfContext context) => input.Parse<Ethernet>().Parse<Ipv4>().ShuffleByFlow();
}

/// <summary>Builds on core 0 (taking a shared object and a shuffle) and throws on core 1: a replace must leave nothing behind.</summary>
[NetworkFunction("test-fail-on-core1")]
public sealed class FailOnCore1Nf : INetworkFunction
{
    public Pipe Build(Pipe input, NfContext context)
    {
        context.Shared("leftover", () => new object());
        var pipe = input.Parse<Ethernet>().Parse<Ipv4>().ShuffleByFlow();
        if (context.CoreId == 1) throw new InvalidOperationException("cannot build on core 1");
        return pipe;
    }
}

/// <summary>Throws on every packet.</summary>
[NetworkFunction("test-faulty")]
public sealed class FaultyNf : INetworkFunction
{
    public Pipe Build(Pipe input, NfContext context) => input.Transform(_ => throw new InvalidOperationException("faulty UDF"));
}

/// <summary>Passes packets; its timer throws every millisecond.</summary>
[NetworkFunction("test-timer-faulty")]
public sealed class TimerFaultyNf : INetworkFunction
{
    public Pipe Build(Pipe input, NfContext context)
    {
        context.Every(TimeSpan.FromMilliseconds(1), () => throw new InvalidOperationException("faulty timer"));
        return input;
    }
}

/// <summary>Spins on core <see cref="Core"/> while <see cref="Spin"/> is set (a stuck plugin the test can release).</summary>
[NetworkFunction("test-spin")]
public sealed class SpinNf : INetworkFunction
{
    public static volatile bool Spin;
    public static volatile int Core;
    public static volatile bool Spinning;

    public Pipe Build(Pipe input, NfContext context) => input.Transform(_ =>
    {
        while (Spin && CurrentCore.Id == Core)
        {
            Spinning = true;
            Thread.SpinWait(64);
        }
    });
}
