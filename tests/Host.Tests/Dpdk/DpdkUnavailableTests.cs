using System.Diagnostics;
using Switchboard.Host.Config;
using Switchboard.Host.Tests.Config;
using Switchboard.Host.Tests.Runtime;

namespace Switchboard.Host.Tests.Dpdk;

/// <summary>Where DPDK cannot be used the host says why and starts nothing; managed deployments still run.
/// Run in a child host process, because this process has already loaded DPDK.</summary>
public sealed class DpdkUnavailableTests
{
    private static (int Exit, string Out, string Err) RunHost(string config, string shim)
    {
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Switchboard.Host.dll"), "run", "--config", config, "--seconds", "1", "--quiet"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["SWITCHBOARD_DPDK_SHIM"] = shim;
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output, err.Result);
    }

    [Test]
    public void MissingShim_StopsADpdkDeploymentWithTheReason_AndManagedDeploymentsStillRun()
    {
        using var dir = new TempDir();
        var missing = Path.Combine(dir.Path, "nowhere", "libsbdpdk.so");
        var (exit, _, err) = RunHost(Path.Combine(ConfigTestFiles.ExamplesDir, "dpdk-pcap.json"), missing);
        Assert.That(exit, Is.EqualTo(2), err);
        Assert.That(err, Does.Contain("DPDK ports are unavailable: the DPDK shim libsbdpdk.so was not found"));
        Assert.That(err, Does.Contain("nothing was started"));
        Assert.That(err, Does.Not.Contain("   at "), "a message, not a stack trace");

        var (managedExit, managedOut, managedErr) = RunHost(Path.Combine(ConfigTestFiles.ExamplesDir, "generator-ttl.json"), missing);
        Assert.That(managedExit, Is.Zero, managedErr);
        Assert.That(managedOut, Does.Contain("Ports:"));
    }

    [Test]
    public void RelativePcapPaths_InADeviceString_ResolveAgainstTheDeploymentFile()
    {
        using var dir = new TempDir();
        dir.File("in.pcap");
        var d = RuntimeHarness.Load("""
            { "cores": 1, "ports": { "p": { "type": "dpdk", "device": "net_pcap30,rx_pcap=in.pcap,tx_pcap=out.pcap,infinite_rx=1", "rxDescriptors": 256 } },
              "chains": [ { "from": "p", "to": "p" } ] }
            """, dir.Path);
        var spec = (DpdkPortSpec)d.Ports["p"];
        Assert.That(spec.Device, Is.EqualTo($"net_pcap30,rx_pcap={Path.Combine(dir.Path, "in.pcap")},tx_pcap={Path.Combine(dir.Path, "out.pcap")},infinite_rx=1"));
        Assert.That(spec.RxDescriptors, Is.EqualTo(256));
        Assert.That(spec.TxDescriptors, Is.EqualTo(DpdkPortSpec.DefaultDescriptors));
        Assert.That(d.Dpdk.Eal, Is.Empty);
        Assert.That(d.Dpdk.MempoolSize, Is.EqualTo(DpdkSettings.DefaultMempoolSize));
    }
}
