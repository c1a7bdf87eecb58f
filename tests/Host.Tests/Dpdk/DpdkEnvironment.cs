using System.Diagnostics;
using Switchboard.Host.Ports.Dpdk;

namespace Switchboard.Host.Tests.Dpdk;

/// <summary>
/// Starts DPDK's EAL once for every test in this namespace (DPDK allows one EAL per process), as root and
/// without hugepages. Each test hot-plugs its own virtual devices under names no other test uses. Builds the
/// shim first when it is missing, so `dotnet test` works on a fresh checkout with libdpdk-dev installed.
/// </summary>
[SetUpFixture]
public sealed class DpdkEnvironment
{
    public static readonly string[] Eal = ["--no-huge", "-m", "512", "--no-pci", "--log-level=warning"];

    [OneTimeSetUp]
    public void StartEal()
    {
        EnsureShim();
        DpdkEal.Initialize(Eal); // throws DpdkUnavailableException saying why when it cannot start
    }

    public static string RepoRoot { get; } = FindRepoRoot();
    public static string SamplePcap => Path.Combine(RepoRoot, "examples", "sample.pcap");

    private static void EnsureShim()
    {
        if (File.Exists(Path.Combine(RepoRoot, "native", "build", DpdkNative.LibraryName))) return;
        var make = Process.Start(new ProcessStartInfo("make", ["-s", "-C", Path.Combine(RepoRoot, "native")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        string output = make.StandardOutput.ReadToEnd() + make.StandardError.ReadToEnd();
        make.WaitForExit();
        Assert.That(make.ExitCode, Is.Zero, "building the DPDK shim failed (needs libdpdk-dev, pkg-config, gcc):\n" + output);
    }

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Switchboard.slnx"))) return d.FullName;
        throw new InvalidOperationException("Switchboard.slnx not found above the test directory");
    }
}
