using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Switchboard.Bench.HandWritten;
using Switchboard.Host.Cli;
using Switchboard.Host.Config;
using Switchboard.Host.Ports;
using Switchboard.Host.Ports.Dpdk;
using Switchboard.Host.Runtime;
using Switchboard.Sdk;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Bench;

/// <summary>
/// <c>./switchboard bench native</c>: each C# NF and its C twin (bench/native/sbnative.c) on the same DPDK
/// path - net_pcap replaying 64-byte frames (1 000 flows x 10 packets, infinite_rx=1) into net_null - on one
/// core (CPU 0 for both), alternating C# and C several times; prints the medians and C# / C.
/// The C# runs share this process's EAL; each C run is its own process with the same EAL arguments.
/// Besides packets per wall-clock second, each side reports packets per second its polling thread was on a
/// CPU: on a shared machine the thread also waits for a CPU, and that wait is not the NF's cost.
/// </summary>
internal static class NativeBench
{
    private static string[] Eal = ["--no-huge", "-m", "512", "--no-pci", "--log-level=error", "-l", "0"];

    public static int Run(string[] args)
    {
        double seconds = 2, warmup = 0.5;
        int repeats = 3;
        string? only = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seconds": seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--repeats": repeats = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--only": only = args[++i]; break;
                case "--raw": RawBursts = true; break;
                case "--cpu":
                    // Both sides on another CPU (default 0), e.g. away from a concurrent benchmark.
                    int cpu = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    Affinity.CpuOffset = cpu;
                    Eal = [.. Eal[..^1], cpu.ToString(CultureInfo.InvariantCulture)];
                    break;
                default: Console.Error.WriteLine($"unknown option {args[i]}; usage: bench native [--seconds S] [--repeats R] [--only NAME] [--raw] [--cpu N]"); return 64;
            }
        }
        var native = FindNative();
        if (native is null) return 1;
        try
        {
            DpdkEal.Initialize(Eal);
        }
        catch (DpdkUnavailableException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
        var dir = Directory.CreateTempSubdirectory("switchboard-bench-").FullName;
        var pcap = Path.Combine(dir, "flows64.pcap");
        NativeTwins.WritePcap(pcap);

        // (name, C# NFs (type, config), C NF, chain length, C rules file)
        // "ports only": DpdkPort.Receive straight into DpdkPort.Send in a bare loop, no workers or nodes: the
        // cost of the DPDK port layer alone, against the same C loop.
        var cases = new List<(string Name, (string Type, string Config)[] Nfs, string CNf, int Chain, string? Rules)>
        {
            ("forward (ports only)", [("ports-only", "{}")], "forward", 1, null), ("forward", [], "forward", 1, null),
        };
        foreach (int n in new[] { 1, 2, 3, 4, 5, 6, 7, 8 })
            cases.Add((n == 1 ? "ttl" : $"chain of {n} ttl", Enumerable.Repeat(("ttl", "{}"), n).ToArray(), "ttl", n, null));
        foreach (var t in NativeTwins.All(dir)) cases.Add((t.Name, [(t.Type, t.Config)], t.CNf, 1, t.RulesFile));
        if (only is not null) cases = cases.Where(c => c.Name.Contains(only, StringComparison.OrdinalIgnoreCase)).ToList();

        var registry = NfRegistry.BuiltIn();
        Console.WriteLine($"Switchboard bench native: net_pcap (64 B, 1000 flows x 10, infinite_rx) -> NF -> net_null, 1 core (CPU {Eal[^1]}), " +
                          $"{seconds:g} s x {repeats} alternating C# / C, median. {DpdkEal.Version}, .NET {Environment.Version}");
        var cs = cases.ToDictionary(c => c.Name, _ => new List<(double Wall, double Cpu)>());
        var c = cases.ToDictionary(x => x.Name, _ => new List<(double Wall, double Cpu)>());
        var inProcessC = new List<(double Wall, double Cpu)>();
        var hand = cases.Where(k => HandWrittenNfs.Of(k.CNf) is not null && k.Nfs is not [("ports-only", _)]).ToDictionary(k => k.Name, _ => new List<(double Wall, double Cpu)>());
        for (int r = 0; r < repeats; r++)
            foreach (var k in cases)
            {
                bool portsOnly = k.Nfs is [("ports-only", _)];
                cs[k.Name].Add(portsOnly ? MeasureBareLoop(pcap, seconds, warmup) : MeasureCSharp(registry, k.Nfs, pcap, seconds, warmup));
                c[k.Name].Add(MeasureC(native, k.CNf, k.Chain, k.Rules, pcap, seconds, warmup));
                if (portsOnly) inProcessC.Add(MeasureCInProcess(native, pcap, seconds, warmup));
                if (HandWrittenNfs.Of(k.CNf) is { } nf && !portsOnly) hand[k.Name].Add(MeasureBareLoop(pcap, seconds, warmup, nf, k.Chain));
            }
        static double Median(IEnumerable<double> xs) { var l = xs.Order().ToList(); return l[l.Count / 2]; }
        var rows = cases.Select(k =>
        {
            double a = Median(cs[k.Name].Select(x => x.Wall)), b = Median(c[k.Name].Select(x => x.Wall));
            double ac = Median(cs[k.Name].Select(x => x.Cpu)), bc = Median(c[k.Name].Select(x => x.Cpu));
            return new[] { k.Name, $"{a:F2}", $"{b:F2}", $"{a / b:F2}", $"{ac:F2}", $"{bc:F2}", $"{ac / bc:F2}" };
        }).ToList();
        Console.Write(Report.Table(["nf", "C# Mpps", "C Mpps", "C# / C", "C# Mpps/CPU-s", "C Mpps/CPU-s", "C# / C (CPU)"], rows));
        if (inProcessC.Count > 0)
            Console.WriteLine($"The C forward loop run inside this .NET process on ports it configured: {Median(inProcessC.Select(x => x.Wall)):F2} Mpps, " +
                              $"{Median(inProcessC.Select(x => x.Cpu)):F2} Mpps/CPU-s (against the separate C process above: the environment's share of the gap).");
        if (hand.Count > 0)
        {
            // Where a row's gap lies: the compiler and runtime (C's code ported to C#, against C) or Switchboard.
            Console.WriteLine("Against C's code ported to C# line by line (raw bursts, no Switchboard; bench/HandWritten/), Mpps/CPU-s:");
            Console.Write(Report.Table(["nf", "Switchboard C#", "hand-written C#", "C", "Switchboard / hand", "hand / C"], hand.Select(h =>
            {
                double sb = Median(cs[h.Key].Select(x => x.Cpu)), hw = Median(h.Value.Select(x => x.Cpu)), cc = Median(c[h.Key].Select(x => x.Cpu));
                return new[] { h.Key, $"{sb:F2}", $"{hw:F2}", $"{cc:F2}", $"{sb / hw:F2}", $"{hw / cc:F2}" };
            }).ToList()));
        }
        Directory.Delete(dir, recursive: true);
        return 0;
    }

    private static string? FindNative()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var src = Path.Combine(d.FullName, "bench", "native");
            if (!File.Exists(Path.Combine(src, "sbnative.c"))) continue;
            var make = Process.Start("make", ["-s", "-C", src])!;
            make.WaitForExit();
            var bin = Path.Combine(src, "build", "sbnative");
            if (make.ExitCode == 0 && File.Exists(bin)) return bin;
            Console.Error.WriteLine($"building {bin} failed (needs libdpdk-dev, pkg-config, gcc, make)");
            return null;
        }
        Console.Error.WriteLine("bench/native/sbnative.c not found above " + AppContext.BaseDirectory);
        return null;
    }

    private static (double Wall, double Cpu) MeasureCSharp(NfRegistry registry, (string Type, string Config)[] nfs, string pcap, double seconds, double warmup)
    {
        var ports = new Dictionary<string, PortSpec>
        {
            ["src"] = new DpdkPortSpec("src", "$.ports.src") { Device = $"net_pcap_sb0,rx_pcap={pcap},infinite_rx=1" },
            ["sink"] = new DpdkPortSpec("sink", "$.ports.sink") { Device = "net_null_sb0" },
        };
        var nfSpecs = nfs.Select((t, i) => new NfSpec($"nf{i}", t.Type, JsonDocument.Parse(t.Config).RootElement.Clone(), $"$.nfs.nf{i}"))
            .ToDictionary(n => n.Name);
        var chain = new ChainSpec("bench", "src", nfSpecs.Keys.ToList(), "sink", "$.chains[0]");
        var deployment = new Deployment(1, 32, ports, nfSpecs, [chain], [], "bench-native") { Dpdk = new DpdkSettings { Eal = Eal } };
        using var dp = Dataplane.Build(deployment, registry, _ => { });
        var src = dp.Ports["src"];
        dp.Start();
        Thread.Sleep(TimeSpan.FromSeconds(warmup)); // tiered JIT reaches the optimised code
        var worker = WorkerCpuFile();
        long start = src.Counters.RxPackets;
        long cpu0 = CpuNanoseconds(worker);
        var sw = Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        long end = src.Counters.RxPackets;
        long cpu1 = CpuNanoseconds(worker);
        double elapsed = sw.Elapsed.TotalSeconds;
        dp.Stop();
        return ((end - start) / elapsed / 1e6, (end - start) / ((cpu1 - cpu0) / 1e9) / 1e6);
    }

    /// <summary>--raw: the "ports only" row calls rx/tx burst directly (no descriptors), isolating the interop cost.</summary>
    private static bool RawBursts;

    /// <summary>A bare loop on DPDK ports, no workers or nodes. Without <paramref name="hand"/>: DpdkPort.Receive straight
    /// into DpdkPort.Send (the "ports only" row). With it: raw bursts through <paramref name="chain"/> copies of that
    /// hand-written port of a C twin (<see cref="HandWrittenNfs"/>), as C's loop.</summary>
    private static unsafe (double Wall, double Cpu) MeasureBareLoop(string pcap, double seconds, double warmup, HandWrittenNfs.Kind? hand = null, int chain = 1)
    {
        int id = hand is null ? 1 : 3;
        using var pool = new DpdkPool(DpdkSettings.DefaultMempoolSize, DpdkSettings.DefaultCacheSize);
        using var src = new DpdkPort(new DpdkPortSpec("src", "$.ports.src") { Device = $"net_pcap_sb{id},rx_pcap={pcap},infinite_rx=1" }, 0, 1, pool);
        using var sink = new DpdkPort(new DpdkPortSpec("sink", "$.ports.sink") { Device = $"net_null_sb{id}" }, 1, 1, pool);
        long packets = 0, cpu0 = 0, cpu1 = 0, counted = 0;
        double wall = 0;
        var thread = new Thread(() =>
        {
            Affinity.TryPin(0);
            DpdkEal.EnterThread();
            var descs = stackalloc PacketDesc*[32];
            long rounds = 0;
            var sw = Stopwatch.StartNew();
            long startTicks = (long)(warmup * Stopwatch.Frequency), endTicks = startTicks + (long)(seconds * Stopwatch.Frequency);
            bool measuring = false;
            while (true)
            {
                int n;
                if (RawBursts || hand is not null)
                {
                    n = DpdkNative.RxBurst(src.PortId, 0, (nint*)descs, 32);
                    if (n > 0)
                    {
                        int kept = hand is { } nf ? HandWrittenNfs.Chain(nf, (nint*)descs, n, chain) : n;
                        int sent = DpdkNative.TxBurst(sink.PortId, 0, (nint*)descs, (ushort)kept);
                        if (sent < kept) DpdkNative.MbufFreeBulk((nint*)descs + sent, (uint)(kept - sent));
                    }
                }
                else
                {
                    n = src.Receive(0, descs, 32);
                    if (n > 0) sink.Send(0, descs, n);
                }
                packets += n;
                // The clock every 8 rounds, as the worker reads it (Worker.ClockRounds): a vDSO clock_gettime costs
                // about as much as a round of 32 packets' bookkeeping here, where C's loop reads the TSC directly.
                if ((++rounds & 7) != 0) continue;
                long now = sw.ElapsedTicks;
                if (!measuring && now >= startTicks) { measuring = true; counted = packets; cpu0 = ThreadCpu(); startTicks = now; }
                if (now >= endTicks) { cpu1 = ThreadCpu(); wall = (now - startTicks) / (double)Stopwatch.Frequency; break; }
            }
            counted = packets - counted;
        }) { Name = hand is null ? "sb-ports-only" : "sb-hand-written" };
        if (hand is { } kind) HandWrittenNfs.Init(kind);
        thread.Start();
        thread.Join();
        if (hand is { } done) HandWrittenNfs.Free(done);
        return (counted / wall / 1e6, counted / ((cpu1 - cpu0) / 1e9) / 1e6);
    }

    private static unsafe (double Wall, double Cpu) MeasureCInProcess(string native, string pcap, double seconds, double warmup)
    {
        var lib = System.Runtime.InteropServices.NativeLibrary.Load(Path.Combine(Path.GetDirectoryName(native)!, "libsbnative.so"));
        var loop = (delegate* unmanaged[Cdecl]<ushort, ushort, int, int, double, double, double*, double>)
            System.Runtime.InteropServices.NativeLibrary.GetExport(lib, "sbn_loop");
        using var pool = new DpdkPool(DpdkSettings.DefaultMempoolSize, DpdkSettings.DefaultCacheSize);
        using var src = new DpdkPort(new DpdkPortSpec("src", "$.ports.src") { Device = $"net_pcap_sb2,rx_pcap={pcap},infinite_rx=1" }, 0, 1, pool);
        using var sink = new DpdkPort(new DpdkPortSpec("sink", "$.ports.sink") { Device = "net_null_sb2" }, 1, 1, pool);
        double wall = 0, cpu = 0;
        var thread = new Thread(() =>
        {
            Affinity.TryPin(0);
            DpdkEal.EnterThread();
            double c;
            wall = loop(src.PortId, sink.PortId, 0, 1, seconds, warmup, &c);
            cpu = c;
            DpdkEal.LeaveThread();
        }) { Name = "sb-c-loop" };
        thread.Start();
        thread.Join();
        return (wall, cpu);
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern int clock_gettime(int clock, out Timespec ts);
    private struct Timespec { public long Sec, Nsec; }
    private static long ThreadCpu() { clock_gettime(3 /* CLOCK_THREAD_CPUTIME_ID */, out var t); return t.Sec * 1_000_000_000 + t.Nsec; }

    // The worker thread's schedstat: its first field is the time it spent on a CPU, in ns.
    private static string WorkerCpuFile()
    {
        foreach (var task in Directory.GetDirectories("/proc/self/task"))
            if (File.ReadAllText(Path.Combine(task, "comm")).Trim() == "sb-core0") return Path.Combine(task, "schedstat");
        throw new InvalidOperationException("worker thread sb-core0 not found");
    }

    private static long CpuNanoseconds(string schedstat) =>
        long.Parse(File.ReadAllText(schedstat).Split(' ')[0], CultureInfo.InvariantCulture);

    private static (double Wall, double Cpu) MeasureC(string native, string nf, int chain, string? rules, string pcap, double seconds, double warmup)
    {
        var psi = new ProcessStartInfo(native) { RedirectStandardOutput = true };
        foreach (var a in DpdkEal.EffectiveArguments(Eal)) psi.ArgumentList.Add(a);
        foreach (var a in new[] { "--", "--pcap", pcap, "--nf", nf, "--chain", chain.ToString(CultureInfo.InvariantCulture),
                     "--seconds", seconds.ToString(CultureInfo.InvariantCulture), "--warmup", warmup.ToString(CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        if (rules is not null) { psi.ArgumentList.Add("--rules"); psi.ArgumentList.Add(rules); }
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var last = (output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "").Split(' ');
        if (p.ExitCode != 0 || last.Length != 2 || !double.TryParse(last[0], CultureInfo.InvariantCulture, out double wall)
            || !double.TryParse(last[1], CultureInfo.InvariantCulture, out double cpu))
            throw new InvalidOperationException($"{native} failed (exit {p.ExitCode}): {output}");
        return (wall, cpu);
    }
}
