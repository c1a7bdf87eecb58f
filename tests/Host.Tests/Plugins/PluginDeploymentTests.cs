using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Switchboard.Host.Config;
using Switchboard.Host.Plugins;
using Switchboard.Host.Runtime;
using Switchboard.Host.Tests.Config;
using Switchboard.Host.Tests.Runtime;
using Switchboard.Sdk;

namespace Switchboard.Host.Tests.Plugins;

/// <summary>plugins.json's "plugins" and "trust": packages load before the NFs are validated, refusals are
/// deployment errors at the package's JSON path, and a plugin's NF runs in the real dataplane.</summary>
public class PluginDeploymentTests
{
    private static LoadResult Parse(string json, TempDir dir, DeploymentPlugins plugins) =>
        DeploymentLoader.Parse(json, Path.Combine(dir.Path, "plugins.json"), NfRegistry.BuiltIn().Names, plugins: plugins.Load);

    private const string CounterDeployment = """
        {
          "plugins": ["acme"],
          "ports": { "gen": { "type": "generator", "count": 10 }, "sink": { "type": "null" } },
          "nfs": { "c": { "type": "counter" } },
          "chains": [ { "from": "gen", "through": ["c"], "to": "sink" } ]
        }
        """;

    [Test]
    public void A_plugins_nf_type_can_be_used_in_nfs()
    {
        using var dir = new TempDir();
        PluginFixtures.Vendor(dir, "acme");
        var plugins = new DeploymentPlugins();
        var result = Parse(CounterDeployment, dir, plugins);
        Assert.That(result.Errors, Is.Empty, result.FormatErrors());
        Assert.That(result.Deployment!.Plugins.Packages.Single().Path, Is.EqualTo(Path.Combine(dir.Path, "acme")));
        Assert.That(plugins.Catalog!.List().Single().Id, Is.EqualTo("acme.counter"));
        plugins.Catalog.Unload(plugins.Catalog.Loaded.Single());
    }

    [Test]
    public void A_refused_package_is_a_deployment_error_at_its_json_path()
    {
        using var dir = new TempDir();
        var pkg = PluginFixtures.Vendor(dir, "acme");
        File.WriteAllText(Path.Combine(pkg, "evil.so"), "x");
        var result = Parse(CounterDeployment, dir, new DeploymentPlugins());
        Assert.That(result.Errors.Select(e => e.ToString()), Has.Some.Contains("plugins.json:2:15: $.plugins[0]: plugin package refused (package)")
                                                             .And.Some.Contains("'evil.so' is not listed"));
        Assert.That(result.Errors.Select(e => e.JsonPath), Does.Contain("$.nfs.c.type"), "its NF type stays unknown");
    }

    [Test]
    public void Required_signatures_apply_to_deployment_plugins()
    {
        using var dir = new TempDir();
        PluginFixtures.Vendor(dir, "acme");
        Directory.CreateDirectory(Path.Combine(dir.Path, "trusted"));
        var json = CounterDeployment.Replace("\"plugins\": [\"acme\"],", "\"plugins\": [\"acme\"], \"trust\": { \"keys\": \"trusted\", \"requireSignatures\": true },");
        var result = Parse(json, dir, new DeploymentPlugins());
        Assert.That(result.Errors.Select(e => e.ToString()), Has.Some.Contains("$.plugins[0]: plugin package refused (signature)").And.Some.Contains("unsigned"));
    }

    [Test]
    public void The_ttl_package_runs_in_the_dataplane_and_is_collected_after_unload()
    {
        using var dir = new TempDir();
        PluginFixtures.CopyFirstParty("Ttl", dir, "ttl-package");
        var frames = Enumerable.Range(0, 50).Select(i => Frame((byte)(10 + i % 3))).ToList();
        RuntimeHarness.WritePcap(Path.Combine(dir.Path, "in.pcap"), frames);
        var plugins = new DeploymentPlugins();
        var result = Parse("""
            {
              "cores": 1,
              "plugins": ["ttl-package"],
              "ports": { "in": { "type": "pcap-in", "file": "in.pcap" }, "out": { "type": "pcap-out", "file": "out.pcap" } },
              "nfs": { "t": { "type": "ttl" } },
              "chains": [ { "from": "in", "through": ["t"], "to": "out" } ]
            }
            """, dir, plugins);
        Assert.That(result.Errors, Is.Empty, result.FormatErrors());

        Assert.That(Run(result.Deployment!, plugins.Catalog!), Is.EqualTo("plugin:switchboard.ttl 1.0.0 #1"));
        var output = RuntimeHarness.ReadPcap(Path.Combine(dir.Path, "out.pcap"));
        Assert.That(output.Select(f => f[22]), Is.EqualTo(frames.Select(f => f[22] - 1)));

        var unload = plugins.Catalog!.Unload(plugins.Catalog.Loaded.Single());
        Assert.That(unload.Collected, Is.True, unload.Alarm);
    }

    [Test]
    public void Switchboard_run_loads_the_deployments_plugins_before_building_the_dataplane()
    {
        using var dir = new TempDir();
        PluginFixtures.Vendor(dir, "acme");
        PluginFixtures.CopyFirstParty("Ttl", dir, "ttl-package");
        var config = Path.Combine(dir.Path, "plugins.json");
        File.WriteAllText(config, """
            {
              "cores": 1,
              "plugins": ["acme", "ttl-package"],
              "ports": { "gen": { "type": "generator", "count": 1000 }, "sink": { "type": "null" } },
              "nfs": { "c": { "type": "counter" }, "t": { "type": "ttl" } },
              "chains": [ { "from": "gen", "through": ["c", "t"], "to": "sink" } ]
            }
            """);
        var output = new StringWriter();
        var errors = new StringWriter();
        int code = Switchboard.Host.Cli.RunCommand.Execute(new(config, 5, false, null, true), output, errors, CancellationToken.None);
        Assert.That(code, Is.Zero, errors.ToString());
        string text = output.ToString();
        Assert.That(text, Does.Contain("Plugin acme.counter 1.0.0 #1").And.Contain("Plugin switchboard.ttl 1.0.0 #1"));
        Assert.That(text, Does.Contain("NF type 'ttl' now comes from this plugin, not the built-in NF"));
        Assert.That(text, Does.Match(@"\n\s+c\s+counter\s+1,000\s+1,000\s.*seen=1,000"), "the plugin NF counted every packet");
    }

    // Out of line so the dataplane and the NF instances are unreachable once it returns.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static string Run(Deployment deployment, PluginCatalog catalog)
    {
        var registry = NfRegistry.BuiltIn();
        registry.AddPlugins(catalog);
        using var dp = Dataplane.Build(deployment, registry, _ => { });
        dp.Start(pinThreads: false);
        var clock = Stopwatch.StartNew();
        while (!dp.SourcesExhausted && clock.Elapsed.TotalSeconds < 20) Thread.Sleep(5);
        dp.Stop();
        Assert.That(dp.Failures, Is.Empty);
        return AssemblyLoadContext.GetLoadContext(dp.Nfs.Single().Function.GetType().Assembly)!.Name!;
    }

    private static byte[] Frame(byte ttl)
    {
        var buf = new byte[128];
        int n = FrameBuilder.Ipv4Udp(buf, Ipv4.Address("10.0.0.1"), Ipv4.Address("10.0.0.2"), 1000, 53, "q"u8, 0, ttl);
        return buf[..n];
    }
}
