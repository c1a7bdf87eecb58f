using Switchboard.Sdk;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Tests.Plugins;

/// <summary>One core's graph around one NF instance (as the dataplane builds it): frames in, captured frames out.</summary>
internal sealed unsafe class PluginGraph
{
    private static readonly NativePool Pool = new("plugin-tests", 2048, maxWorkers: 2);
    private readonly Node?[] _entry = new Node?[1];
    private readonly CoreContext _core;
    private readonly EventScheduler _events = new();
    private readonly Sink _sink = new();

    public PluginGraph(INetworkFunction nf, string configJson = "{}")
    {
        _core = new CoreContext(0, 1, new SharedRegistry(), Pool, 32);
        _core.Schedulables.Add(_events);
        var builder = new GraphBuilder(_core);
        var input = builder.Source(n => _entry[0] = n, "test-input");
        var config = new NfConfig(System.Text.Json.JsonDocument.Parse(configJson).RootElement.Clone(), "$.nfs.x.config");
        nf.Build(input, new NfContext("x", config, _core, _events, null)).Connect(_sink, "capture");
    }

    public List<byte[]> Output => _sink.Frames;

    public void Push(params byte[][] frames)
    {
        var batch = new PacketBatch(32);
        foreach (var f in frames)
        {
            PacketDesc* d;
            if (Pool.AllocBulk(&d, 1) != 1) throw new InvalidOperationException("pool exhausted");
            d->ResetForReceive(NativePool.DefaultHeadroom, f.Length, 0);
            f.CopyTo(new Span<byte>(d->Data, f.Length));
            batch.Add(d);
        }
        _entry[0]!.Process(batch);
        foreach (var s in _core.Schedulables) s.Poll(CoreContext.Now);
        _core.FlushDrops();
    }

    public static int InUse => Pool.InUse;

    private sealed class Sink : Node
    {
        public readonly List<byte[]> Frames = [];

        internal override void Process(PacketBatch batch)
        {
            for (int i = 0; i < batch.Count; i++) Frames.Add(new Packet(batch.Items[i]).Data.ToArray());
            Core.FreeAll(batch);
        }
    }
}
