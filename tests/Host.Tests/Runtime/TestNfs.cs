using Switchboard.Sdk;

namespace Switchboard.Host.Tests.Runtime;

/// <summary>NFs used only by the runtime tests, registered like any plugin's.</summary>
[NetworkFunction("test-shuffle-groupby")]
public sealed class ShuffleGroupByNf : INetworkFunction
{
    public Pipe Build(Pipe input, NfContext context)
    {
        var branches = input.Parse<Ethernet>().Parse<Ipv4>().ShuffleByFlow().GroupByFlow(4);
        return Pipe.Merge(branches);
    }
}

[NetworkFunction("test-ticker")]
public sealed class TickerNf : INetworkFunction, ICounterSource
{
    private long _ticks;
    private int _core = -2;

    public Pipe Build(Pipe input, NfContext context)
    {
        context.Every(TimeSpan.FromMilliseconds(5), () =>
        {
            _ticks++;
            _core = Switchboard.Sdk.Runtime.CurrentCore.Id;
        });
        return input;
    }

    public void ReadCounters(ICollection<KeyValuePair<string, long>> into)
    {
        into.Add(new("ticks", _ticks));
        into.Add(new("ran-on-own-core", _core >= 0 ? 1 : 0));
    }
}

[NetworkFunction("test-bad-config")]
public sealed class BadConfigNf : INetworkFunction
{
    public Pipe Build(Pipe input, NfContext context)
    {
        context.Config.GetInt("threshold", min: 1, max: 10);
        return input;
    }
}

[NetworkFunction("test-dangling")]
public sealed class DanglingNf : INetworkFunction
{
    public Pipe Build(Pipe input, NfContext context)
    {
        var groups = input.Parse<Ethernet>().GroupBy(2, p => 0);
        return groups[0]; // groups[1] is left unconnected: the host must refuse the deployment
    }
}
