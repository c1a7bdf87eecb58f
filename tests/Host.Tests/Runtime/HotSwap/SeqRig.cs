using System.Collections.Concurrent;
using System.Diagnostics;
using Switchboard.Host.Runtime;

namespace Switchboard.Host.Tests.Runtime.HotSwap;

/// <summary>A running dataplane between a sequence-stamping generator ("gen") and a recording sink ("sink"),
/// with one chain "main" through the given NFs (or the chains given, with more ports and settings between them).
/// <see cref="Finish"/> stops traffic, waits for every packet to leave, stops the switch and audits the sequence numbers.</summary>
internal sealed class SeqRig : IDisposable
{
    public const int PerQueueLimit = 2_000_000;
    public Dataplane Dp { get; }
    public SeqGeneratorPort Gen { get; private set; } = null!;
    public SeqSinkPort Sink { get; private set; } = null!;
    public ConcurrentQueue<string> Log { get; } = new();
    public int Cores { get; }

    public SeqRig(string nfs, string[] through, int cores = 2, Action<Dataplane>? configure = null)
        : this(nfs, $$"""[ { "name": "main", "from": "gen", "through": [{{string.Join(", ", through.Select(t => $"\"{t}\""))}}], "to": "sink" } ]""",
            cores, configure)
    {
    }

    /// <param name="chains">The deployment's chains (JSON array) between "gen", "sink" and <paramref name="morePorts"/>.</param>
    /// <param name="morePorts">Port entries after "gen" and "sink" (JSON members, each preceded by a comma).</param>
    /// <param name="settings">Top-level members before "cores" (each followed by a comma), e.g. "dpdk".</param>
    public SeqRig(string nfs, string chains, int cores, Action<Dataplane>? configure = null, string morePorts = "", string settings = "")
    {
        Cores = cores;
        var d = RuntimeHarness.Load($$"""
        {
          {{settings}}
          "cores": {{cores}},
          "ports": { "gen": { "type": "generator" }, "sink": { "type": "null" } {{morePorts}} },
          "nfs": { {{nfs}} },
          "chains": {{chains}}
        }
        """);
        Dp = Dataplane.Build(d, RuntimeHarness.Registry(), Log.Enqueue, (spec, pool) => spec.Name switch
        {
            "gen" => Gen = new SeqGeneratorPort("gen", cores, pool, 0, PerQueueLimit),
            "sink" => Sink = new SeqSinkPort("sink", cores, cores, PerQueueLimit),
            _ => null,
        });
        Gen.Completed = () => Sink.Received + Drops;
        configure?.Invoke(Dp);
        Dp.Start(pinThreads: false);
    }

    public long Drops => Dp.Workers.Sum(w => Volatile.Read(ref w.Core.DroppedTotal));

    /// <summary>Wait (polling) until <paramref name="condition"/> holds; fail with <paramref name="what"/> after a generous limit.</summary>
    public static void WaitFor(Func<bool> condition, string what, double seconds = 60)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed.TotalSeconds > seconds) Assert.Fail($"timed out waiting for {what}");
            Thread.Sleep(2);
        }
    }

    /// <summary>Wait until the sink has received <paramref name="more"/> packets beyond now.</summary>
    public void WaitForTraffic(long more = 2000)
    {
        long at = Sink.Received;
        WaitFor(() => Sink.Received >= at + more, $"{more} more packets at the sink");
    }

    public sealed record Audit(long Generated, long Received, long Dropped, long Missing, long Duplicated, int Leaked);

    public Audit Finish()
    {
        Gen.Stop = true;
        // A lost packet never completes: stop waiting after a while and let the audit name the loss.
        var sw = Stopwatch.StartNew();
        while (Gen.Completed() != Gen.Generated && sw.Elapsed.TotalSeconds < 15) Thread.Sleep(2);
        Dp.Stop();
        Assert.That(Dp.Failures, Is.Empty);
        var perQueue = Enumerable.Range(0, Cores).Select(q => Gen.GeneratedOn(q)).ToArray();
        var (missing, dup) = Sink.Audit(perQueue);
        long received = Sink.Received, dropped = Drops;
        Dp.Dispose();
        Assert.That(Sink.Malformed, Is.Zero);
        return new Audit(Gen.Generated, received, dropped, missing, dup, Dp.LeakedBuffers);
    }

    public void Dispose() => Dp.Dispose();
}
