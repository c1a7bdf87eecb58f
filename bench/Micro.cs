using System.Diagnostics;
using Switchboard.Sdk;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Bench;

/// <summary>
/// Operator costs without I/O: one batch of 32 real packets cycles through a graph whose sink
/// hands the same packets back, so the numbers are the operators' own cost per packet.
/// </summary>
internal static unsafe class Micro
{
    private sealed class Recycle : Node
    {
        public PacketDesc*[] Saved = new PacketDesc*[32];
        internal override void Process(PacketBatch batch) { _in += batch.Count; batch.Clear(); }
    }

    private struct Touch : ITransform { public void Transform(Packet p) => p.Data[0] ^= 1; }
    private struct NonEmpty : IFilter { public bool Keep(Packet p) => p.Length > 0; }

    public static void Run(double seconds)
    {
        var pool = new NativePool("micro", 1024, 1);
        var cases = new (string Name, Func<Pipe, Pipe> Build, bool Reset)[]
        {
            ("empty (sink only)", p => p, false),
            ("compose x8", p => { for (int i = 0; i < 8; i++) p = p.Compose(); return p; }, false),
            ("transform x8 (struct)", p => { for (int i = 0; i < 8; i++) p = p.Transform<Touch>(); return p; }, false),
            ("transform x8 (delegate)", p => { for (int i = 0; i < 8; i++) p = p.Transform(q => q.Data[0] ^= 1); return p; }, false),
            ("filter x8 (struct)", p => { for (int i = 0; i < 8; i++) p = p.Filter<NonEmpty>(); return p; }, false),
            ("parse eth+ipv4 (x1)", p => p.Parse<Ethernet>().Parse<Ipv4>(), true),
            ("parse eth+ipv4+tcp (x1)", p => p.Parse<Ethernet>().Parse<Ipv4>().Parse<Tcp>(), true),
        };
        Console.WriteLine("Micro: one batch of 32 TCP packets cycling through operators (no I/O), ns per packet:");
        foreach (var c in cases)
        {
            var core = new CoreContext(0, 1, new SharedRegistry(), pool);
            var builder = new GraphBuilder(core);
            Node? entry = null;
            var src = builder.Source(n => entry = n, "micro");
            var sink = new Recycle();
            c.Build(src).Connect(sink, "sink");
            var descs = new PacketDesc*[32];
            var frame = new byte[64];
            FrameBuilder.Ipv4Tcp(frame, 0x0A000001, 0x0A000002, 1, 2, 0, 0, Tcp.Ack, [], 64);
            fixed (PacketDesc** p = descs) pool.AllocBulk(p, 32);
            foreach (var d in descs) { d->ResetForReceive(NativePool.DefaultHeadroom, 64, 0); frame.CopyTo(new Span<byte>(d->Data, 64)); }
            var batch = new PacketBatch();
            long iterations = 0;
            var sw = Stopwatch.StartNew();
            long deadline = (long)(seconds * Stopwatch.Frequency);
            while (sw.ElapsedTicks < deadline)
            {
                for (int k = 0; k < 1000; k++)
                {
                    for (int i = 0; i < 32; i++) batch.Items[i] = descs[i];
                    batch.Count = 32;
                    if (c.Reset) foreach (var d in descs) d->Headers.Clear();
                    entry!.Process(batch);
                }
                iterations += 1000;
            }
            double ns = sw.Elapsed.TotalNanoseconds / (iterations * 32.0);
            Console.WriteLine($"  {c.Name,-28} {ns,7:F2}");
            fixed (PacketDesc** p = descs) BufferPools.FreeBulk(p, 32);
        }
        pool.Dispose();
    }
}
