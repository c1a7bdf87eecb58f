using Switchboard.Host.Config;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Ports;

/// <summary>Builds the managed port a spec describes. Receiving ports take their buffers from <c>pool</c>.</summary>
internal static class PortFactory
{
    public static IPort Create(PortSpec spec, int portIndex, int queues, NativePool pool) => spec switch
    {
        GeneratorPortSpec g => new GeneratorPort(g, portIndex, queues, pool),
        PcapInPortSpec i => new PcapReaderPort(i, portIndex, queues, pool),
        PcapOutPortSpec o => new PcapWriterPort(o, queues),
        NullPortSpec n => new NullPort(n, queues),
        _ => throw new NotSupportedException($"{spec.Path}: port type '{spec.Kind}' has no managed implementation."),
    };
}
