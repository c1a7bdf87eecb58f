using Switchboard.Host.Config;
using Switchboard.Host.Ports.Dpdk;
using Switchboard.Host.Runtime;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Ports;

/// <summary>Builds the port a spec describes. Receiving managed ports take their buffers from <c>pool</c>;
/// DPDK ports from <c>dpdk</c>'s mempool (null when the deployment has no DPDK port).</summary>
internal static class PortFactory
{
    public static IPort Create(PortSpec spec, int portIndex, int queues, NativePool pool, DpdkRuntime? dpdk = null) => spec switch
    {
        GeneratorPortSpec g => new GeneratorPort(g, portIndex, queues, pool),
        PcapInPortSpec i => new PcapReaderPort(i, portIndex, queues, pool),
        PcapOutPortSpec o => new PcapWriterPort(o, queues),
        NullPortSpec n => new NullPort(n, queues),
        DpdkPortSpec d => CreateDpdk(d, portIndex, queues, dpdk),
        _ => throw new NotSupportedException($"{spec.Path}: port type '{spec.Kind}' has no implementation."),
    };

    private static DpdkPort CreateDpdk(DpdkPortSpec spec, int portIndex, int queues, DpdkRuntime? dpdk)
    {
        if (dpdk is null) throw new InvalidOperationException($"{spec.Path}: DPDK port created without a DPDK runtime.");
        try
        {
            return new DpdkPort(spec, portIndex, queues, dpdk.Pool);
        }
        catch (DpdkUnavailableException e)
        {
            throw new DeploymentException([e.Reason]);
        }
    }
}
