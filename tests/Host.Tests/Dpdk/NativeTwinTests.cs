using System.Diagnostics;
using Switchboard.Bench;
using Switchboard.Host.Ports.Dpdk;
using Switchboard.Host.Tests.Config;
using Switchboard.Host.Tests.Runtime;

namespace Switchboard.Host.Tests.Dpdk;

/// <summary>
/// Each C twin of bench/native (sbnative, run as its own DPDK process: net_pcap replaying the bench traffic once,
/// tx_pcap to a file) writes the same frames, byte for byte, as its C# NF on the same pcap, so
/// <c>./switchboard bench native</c> compares equal work, in the same order (every NF keeps packet order).
/// </summary>
public sealed class NativeTwinTests
{
    private static string? s_native;

    private static string Native()
    {
        if (s_native is not null) return s_native;
        var src = Path.Combine(DpdkEnvironment.RepoRoot, "bench", "native");
        var make = Process.Start(new ProcessStartInfo("make", ["-s", "-C", src]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string output = make.StandardOutput.ReadToEnd() + make.StandardError.ReadToEnd();
        make.WaitForExit();
        Assert.That(make.ExitCode, Is.Zero, "building bench/native failed (needs libdpdk-dev, pkg-config, gcc):\n" + output);
        return s_native = Path.Combine(src, "build", "sbnative");
    }

    private static IEnumerable<TestCaseData> Twins()
    {
        // The rule files are written per test (into its own directory); here only the names matter.
        var dir = Directory.CreateTempSubdirectory("sb-twins-").FullName;
        try
        {
            var nfs = new List<(string Name, string Type, string Config, string CNf)> { ("ttl", "ttl", "{}", "ttl") };
            nfs.AddRange(NativeTwins.All(dir).Select(t => (t.Name, t.Type, t.Config, t.CNf)));
            foreach (var t in nfs) yield return new TestCaseData(t.Name).SetName($"CTwin_WritesTheSameFrames_AsTheCSharpNf({t.Name})");
        }
        finally { Directory.Delete(dir, true); }
    }

    [TestCaseSource(nameof(Twins))]
    public void CTwin_WritesTheSameFrames_AsTheCSharpNf(string name)
    {
        using var dir = new TempDir();
        string pcap = Path.Combine(dir.Path, "in.pcap");
        NativeTwins.WritePcap(pcap, rounds: 3);
        var twin = Named(name, dir.Path);

        var cs = CSharpOutput(dir.Path, twin);
        RunTwin(twin.CNf, pcap, Path.Combine(dir.Path, "c.pcap"), twin.RulesFile);

        var input = RuntimeHarness.ReadPcap(pcap);
        var c = RuntimeHarness.ReadPcap(Path.Combine(dir.Path, "c.pcap"));
        Assert.That(cs, Has.Count.EqualTo(input.Count), "the bench traffic passes every NF");
        Assert.That(c, Has.Count.EqualTo(cs.Count));
        if (twin.Type is not ("monitor" or "firewall"))
            Assert.That(cs, Is.Not.EqualTo(input), "the NF rewrites the frames");
        Assert.That(Hex(c), Is.EqualTo(Hex(cs)));
    }

    /// <summary>The bench traffic exercises one path; the twins must also agree where packets are dropped, tagged or
    /// refused (<see cref="TwinFrames"/>).</summary>
    [TestCase("ttl")]
    [TestCase("nat (snat)")]
    public void CTwin_AgreesWithTheCSharpNf_OnEdgeFrames(string name)
    {
        using var dir = new TempDir();
        var twin = Named(name, dir.Path);
        var frames = name == "ttl" ? TwinFrames.TtlEdges() : TwinFrames.NatPortExhaustion();
        string pcap = Path.Combine(dir.Path, "in.pcap");
        RuntimeHarness.WritePcap(pcap, frames);

        var cs = CSharpOutput(dir.Path, twin);
        RunTwin(twin.CNf, pcap, Path.Combine(dir.Path, "c.pcap"), rules: null);

        var c = RuntimeHarness.ReadPcap(Path.Combine(dir.Path, "c.pcap"));
        if (name == "ttl") Assert.That(cs.Select(f => f.Length), Is.EqualTo(new[] { 64, 68, 72, 64 }));
        else Assert.That(cs, Has.Count.EqualTo(65535 - 1024 + 1), "one frame per public port, the rest refused");
        Assert.That(Hex(c), Is.EqualTo(Hex(cs)));
    }

    /// <summary>The twin called <paramref name="name"/> (as in the bench's rows); rule files go into <paramref name="dir"/>.</summary>
    internal static NativeTwins.Twin Named(string name, string dir) =>
        name == "ttl" ? new NativeTwins.Twin("ttl", "ttl", "{}", "ttl") : NativeTwins.All(dir).Single(t => t.Name == name);

    /// <summary>What the C# NF writes for <paramref name="dir"/>/in.pcap (pcap-in → NF → pcap-out, one core).</summary>
    internal static List<byte[]> CSharpOutput(string dir, NativeTwins.Twin twin)
    {
        var d = RuntimeHarness.Load($$"""
            { "cores": 1,
              "ports": { "in": { "type": "pcap-in", "file": "in.pcap" }, "out": { "type": "pcap-out", "file": "cs.pcap" } },
              "nfs": { "nf": { "type": "{{twin.Type}}", "config": {{twin.Config}} } },
              "chains": [ { "from": "in", "through": ["nf"], "to": "out" } ] }
            """, dir);
        using (RuntimeHarness.RunToCompletion(d)) { }
        return RuntimeHarness.ReadPcap(Path.Combine(dir, "cs.pcap"));
    }

    private static void RunTwin(string nf, string pcap, string output, string? rules)
    {
        var psi = new ProcessStartInfo(Native()) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in DpdkEal.EffectiveArguments(DpdkEnvironment.Eal)) psi.ArgumentList.Add(a);
        foreach (var a in new[] { "--", "--pcap", pcap, "--nf", nf, "--out", output }) psi.ArgumentList.Add(a);
        if (rules is not null) { psi.ArgumentList.Add("--rules"); psi.ArgumentList.Add(rules); }
        using var p = Process.Start(psi)!;
        string log = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        Assert.That(p.WaitForExit(60_000), Is.True, "sbnative finished");
        Assert.That(p.ExitCode, Is.Zero, log);
    }

    private static List<string> Hex(List<byte[]> frames) => frames.Select(Convert.ToHexString).ToList();
}

