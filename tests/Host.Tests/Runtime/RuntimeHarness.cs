using System.Diagnostics;
using Switchboard.Host.Config;
using Switchboard.Host.Ports;
using Switchboard.Host.Runtime;
using Switchboard.Sdk;

namespace Switchboard.Host.Tests.Runtime;

/// <summary>Loads a deployment from JSON text and runs it the way <c>switchboard run</c> does.</summary>
internal static class RuntimeHarness
{
    public static NfRegistry Registry()
    {
        var r = NfRegistry.BuiltIn();
        r.AddAssembly(typeof(RuntimeHarness).Assembly);
        return r;
    }

    public static Deployment Load(string json, string? dir = null)
    {
        var result = DeploymentLoader.Parse(json, Path.Combine(dir ?? Path.GetTempPath(), "test.json"), Registry().Names, dir ?? Path.GetTempPath());
        Assert.That(result.Errors, Is.Empty, result.FormatErrors());
        return result.Deployment!;
    }

    /// <summary>Run until every source is exhausted (or <paramref name="maxSeconds"/>), then stop and dispose.</summary>
    public static Dataplane RunToCompletion(Deployment d, double maxSeconds = 20, double? stopAfter = null)
    {
        var dp = Dataplane.Build(d, Registry(), _ => { });
        dp.Start(pinThreads: false);
        var sw = Stopwatch.StartNew();
        while (!dp.SourcesExhausted && sw.Elapsed.TotalSeconds < (stopAfter ?? maxSeconds)) Thread.Sleep(5);
        dp.Stop();
        Assert.That(dp.Failures, Is.Empty);
        return dp;
    }

    /// <summary>One UDP frame (10.1.0.1:1000 -> 10.2.0.1:53) per payload size, in order.</summary>
    public static List<byte[]> UdpFrames(params int[] payloadSizes) => payloadSizes.Select(payload =>
    {
        var buf = new byte[payload + 64];
        return buf[..FrameBuilder.Ipv4Udp(buf, Ipv4.Address("10.1.0.1"), Ipv4.Address("10.2.0.1"), 1000, 53, new byte[payload])];
    }).ToList();

    public static void WritePcap(string path, IEnumerable<byte[]> frames)
    {
        using var w = new PcapWriter(path, 65535);
        var buf = new byte[70000];
        long t = 1_700_000_000_000_000;
        foreach (var f in frames)
        {
            int n = w.WriteRecord(buf, t++, f);
            w.Append(buf.AsSpan(0, n));
        }
    }

    public static List<byte[]> ReadPcap(string path)
    {
        var file = PcapFile.Load(path);
        var list = new List<byte[]>();
        for (int i = 0; i < file.Records.Length; i++) list.Add(file.Frame(i).ToArray());
        return list;
    }
}
