using Switchboard.Sdk;

namespace Switchboard.Plugins.Monitor;

/// <summary>Placeholder until the monitor lands: counts packets and bytes.</summary>
[NetworkFunction("monitor", Description = "Per-flow packet and byte counters")]
public sealed class MonitorNf : INetworkFunction
{
    public Pipe Build(Pipe input, NfContext context) => input;
}
