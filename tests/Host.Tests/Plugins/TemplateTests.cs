using System.Diagnostics;
using System.Runtime.CompilerServices;
using Switchboard.Host.Plugins;
using Switchboard.Host.Tests.Config;
using Switchboard.Sdk;

namespace Switchboard.Host.Tests.Plugins;

/// <summary>
/// SLOW (~20-40 s: runs `dotnet new` and `dotnet build`): the vendor template at templates/switchboard-nf, instantiated
/// in a temp folder with a private template hive, builds to a package the host verifies, loads, runs and unloads.
/// </summary>
[Category("Slow")]
public class TemplateTests
{
    [Test]
    public void A_project_from_the_dotnet_new_template_builds_to_a_package_that_loads_and_runs()
    {
        using var dir = new TempDir();
        string hive = Path.Combine(dir.Path, "hive"), project = Path.Combine(dir.Path, "Contoso.Meter");
        Dotnet(dir.Path, "new", "install", Path.Combine(ConfigTestFiles.RepoRoot, "templates", "switchboard-nf"), "--debug:custom-hive", hive);
        Dotnet(dir.Path, "new", "switchboard-nf", "-n", "Contoso.Meter", "-o", project, "--switchboard-root", ConfigTestFiles.RepoRoot,
            "--vendor", "Contoso", "--debug:custom-hive", hive);
        // The test run has already built the Sdk; the vendor build only compiles its own project.
        Dotnet(project, "build", "-c", PluginFixtures.Configuration, "-nologo", "-p:BuildProjectReferences=false");

        var packageDir = Path.Combine(project, "bin", PluginFixtures.Configuration, "net10.0", "package");
        var package = PluginPackage.Open(packageDir);
        Assert.That(package.Manifest.Id, Is.EqualTo("contoso.meter"));
        Assert.That(package.Manifest.Vendor, Is.EqualTo("Contoso"));
        Assert.That(package.FileNames, Is.EquivalentTo(new[] { "plugin.json", "Contoso.Meter.dll", "model.vmn" }));

        var catalog = new PluginCatalog();
        var (plugin, passed, counters) = LoadAndRun(catalog, packageDir);
        Assert.That(passed, Is.EqualTo(1), "TTL 64 passes, TTL 3 is under minTtl 10");
        Assert.That(counters, Is.EqualTo("packets=2 dropped-low-ttl=1"));
        var unload = catalog.Unload(plugin);
        Assert.That(unload.Collected, Is.True, unload.Alarm);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (LoadedPlugin, int, string) LoadAndRun(PluginCatalog catalog, string packageDir)
    {
        var plugin = catalog.Load(packageDir);
        var nf = plugin.Create("counter");
        var graph = new PluginGraph(nf, """{"minTtl": 10}""");
        graph.Push(Frame(64), Frame(3));
        var counters = new List<KeyValuePair<string, long>>();
        ((ICounterSource)nf).ReadCounters(counters);
        var c = counters.ToDictionary(kv => kv.Key, kv => kv.Value);
        return (plugin, graph.Output.Count, $"packets={c["packets"]} dropped-low-ttl={c["dropped-low-ttl"]}");
    }

    private static byte[] Frame(byte ttl)
    {
        var buf = new byte[128];
        int n = FrameBuilder.Ipv4Udp(buf, Ipv4.Address("10.0.0.1"), Ipv4.Address("10.0.0.2"), 1000, 53, "q"u8, 0, ttl);
        return buf[..n];
    }

    private static void Dotnet(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(entireProcessTree: true); Assert.Fail($"dotnet {string.Join(' ', args)} timed out"); }
        Assert.That(p.ExitCode, Is.Zero, $"dotnet {string.Join(' ', args)}:\n{stdout.Result}\n{stderr.Result}");
    }
}
