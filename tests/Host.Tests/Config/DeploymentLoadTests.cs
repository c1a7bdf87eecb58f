using System.Text.Json;
using Switchboard.Host.Config;

namespace Switchboard.Host.Tests.Config;

/// <summary>Valid deployments load into the expected records.</summary>
public class DeploymentLoadTests
{
    private static Deployment LoadOk(string path)
    {
        var result = DeploymentLoader.Load(path, ConfigTestFiles.KnownNfTypes);
        Assert.That(result.Errors, Is.Empty, result.FormatErrors());
        Assert.That(result.Ok, Is.True);
        return result.Deployment!;
    }

    [Test]
    public void GeneratorTtlExample_LoadsIntoRecords()
    {
        var d = LoadOk(Path.Combine(ConfigTestFiles.ExamplesDir, "generator-ttl.json"));

        Assert.That(d.Cores, Is.EqualTo(2));
        Assert.That(d.BatchSize, Is.EqualTo(32));
        Assert.That(d.Ports.Keys, Is.EqualTo(new[] { "gen", "sink" }));
        var gen = (GeneratorPortSpec)d.Ports["gen"];
        Assert.That(gen, Is.EqualTo(new GeneratorPortSpec("gen", "$.ports.gen")
        {
            Flows = 1000, MinSize = 64, MaxSize = 512, TcpShare = 0.5, RateMpps = 0,
            SourceNet = "10.0.0.0/16", DestinationNet = "192.168.0.0/16", Seed = 1, Count = 1_000_000,
        }));
        Assert.That(d.Ports["sink"], Is.EqualTo(new NullPortSpec("sink", "$.ports.sink")));
        Assert.That(d.Nfs.Keys, Is.EqualTo(new[] { "ttl", "mon" }));
        Assert.That(d.Nfs["ttl"].Type, Is.EqualTo("ttl"));
        Assert.That(d.Nfs["mon"].Type, Is.EqualTo("monitor"));
        Assert.That(d.Nfs["mon"].Path, Is.EqualTo("$.nfs.mon"));

        Assert.That(d.Chains, Has.Count.EqualTo(1));
        var chain = d.Chains[0];
        Assert.That((chain.Name, chain.From, chain.To, chain.Path), Is.EqualTo(("main", "gen", "sink", "$.chains[0]")));
        Assert.That(chain.Through, Is.EqualTo(new[] { "ttl", "mon" }));

        var inv = d.Invariants.Single();
        Assert.That((inv.Name, inv.Kind, inv.From, inv.To, inv.Expect, inv.Path),
                    Is.EqualTo(("all-monitored", "traversal", "gen", "sink", (string?)"holds", "$.invariants[0]")));
        Assert.That(inv.Through, Is.EqualTo(new[] { "mon" }));
        Assert.That(d.SourcePath, Is.EqualTo(Path.GetFullPath(Path.Combine(ConfigTestFiles.ExamplesDir, "generator-ttl.json"))));
    }

    [Test]
    public void PcapReplayExample_ResolvesFilesAgainstTheConfigDirectory()
    {
        using var dir = new TempDir();
        // Staging creates the pcap the example names; the working directory is elsewhere, so resolution must use the file's folder.
        var staged = ConfigTestFiles.Stage(Path.Combine(ConfigTestFiles.ExamplesDir, "pcap-replay.json"), dir);
        Assert.That(Directory.GetCurrentDirectory(), Is.Not.EqualTo(dir.Path));

        var d = LoadOk(staged);

        var input = (PcapInPortSpec)d.Ports["capture"];
        Assert.That(input.File, Is.EqualTo(Path.Combine(dir.Path, "sample.pcap")));
        Assert.That(input.Loop, Is.False);
        var output = (PcapOutPortSpec)d.Ports["out"];
        Assert.That(output.File, Is.EqualTo(Path.Combine(dir.Path, "replay-out.pcap")));
        Assert.That(output.SnapLength, Is.EqualTo(65535));
        Assert.That(d.Chains.Single().Through, Is.EqualTo(new[] { "ttl" }));
        Assert.That(d.Invariants, Is.Empty);
    }

    [Test]
    public void OmittedValues_TakeTheirDefaults()
    {
        using var dir = new TempDir();
        var result = ConfigTestFiles.Parse("""
            { "ports": { "g": { "type": "generator" }, "n": { "type": "null" } },
              "nfs": { "t": { "type": "ttl" } },
              "chains": [ { "from": "g", "through": ["t"], "to": "n" } ] }
            """, dir);
        Assert.That(result.Ok, Is.True, result.FormatErrors());
        var d = result.Deployment!;

        Assert.That(d.Cores, Is.EqualTo(Math.Min(Environment.ProcessorCount, 64)));
        Assert.That(d.BatchSize, Is.EqualTo(32));
        Assert.That(d.Ports["g"], Is.EqualTo(new GeneratorPortSpec("g", "$.ports.g")));
        var defaults = (GeneratorPortSpec)d.Ports["g"];
        Assert.That((defaults.Flows, defaults.MinSize, defaults.MaxSize, defaults.TcpShare, defaults.RateMpps, defaults.Count),
                    Is.EqualTo((1000, 64, 64, 0.5, 0.0, 0L)));
        Assert.That(d.Chains[0].Name, Is.EqualTo("chain0"));
        Assert.That(d.Nfs["t"].Config.ValueKind, Is.EqualTo(JsonValueKind.Object));
        Assert.That(d.Nfs["t"].Config.EnumerateObject(), Is.Empty);
        Assert.That(d.Invariants, Is.Empty);
    }

    [Test]
    public void DpdkFixture_MapsTheDpdkSection_AndOmittedKeysTakeTheirDefaults()
    {
        using var dir = new TempDir();
        var d = LoadOk(ConfigTestFiles.Stage(Path.Combine(ConfigTestFiles.FixturesDir, "valid", "dpdk.json"), dir));
        Assert.That(d.Dpdk.Eal, Is.EqualTo(new[] { "--no-huge", "-m", "512", "--no-pci" }));
        Assert.That((d.Dpdk.MempoolSize, d.Dpdk.CacheSize, d.Dpdk.LinkWaitSeconds), Is.EqualTo((8191, 128, 2.5)));

        var result = ConfigTestFiles.Parse("""
            { "dpdk": { "eal": ["--no-huge"] },
              "ports": { "g": { "type": "generator" }, "n": { "type": "dpdk", "device": "net_null0" } },
              "nfs": { "t": { "type": "ttl" } },
              "chains": [ { "from": "g", "through": ["t"], "to": "n" } ] }
            """, dir);
        Assert.That(result.Ok, Is.True, result.FormatErrors());
        var defaults = result.Deployment!.Dpdk;
        Assert.That((defaults.CacheSize, defaults.LinkWaitSeconds), Is.EqualTo((DpdkSettings.DefaultCacheSize, DpdkSettings.DefaultLinkWaitSeconds)));
    }

    [Test]
    public void EverythingFixture_MapsEveryPortKindAndOption()
    {
        using var dir = new TempDir();
        var d = LoadOk(ConfigTestFiles.Stage(Path.Combine(ConfigTestFiles.FixturesDir, "valid", "everything.json"), dir));

        Assert.That((d.Cores, d.BatchSize), Is.EqualTo((4, 64)));
        Assert.That(d.Ports["gen4"], Is.EqualTo(new GeneratorPortSpec("gen4", "$.ports.gen4")
        {
            Flows = 10, MinSize = 128, MaxSize = 128, TcpShare = 1, RateMpps = 2.5,
            SourceNet = "172.16.0.0/12", DestinationNet = "0.0.0.0/0", Seed = -7, Count = 0,
        }));
        var gen6 = (GeneratorPortSpec)d.Ports["gen6"];
        Assert.That((gen6.MinSize, gen6.MaxSize, gen6.SourceNet, gen6.DestinationNet), Is.EqualTo((60, 1514, "fd00::/8", "2001:db8::/32")));
        Assert.That(d.Ports["capture"], Is.EqualTo(new PcapInPortSpec("capture", "$.ports.capture") { File = Path.Combine(dir.Path, "input.pcap"), Loop = true }));
        Assert.That(d.Ports["out"], Is.EqualTo(new PcapOutPortSpec("out", "$.ports.out") { File = Path.Combine(dir.Path, "out.pcap"), SnapLength = 128 }));
        Assert.That(d.Ports["drop"].Kind, Is.EqualTo("null"));

        Assert.That(d.Nfs["ttl.b"].Path, Is.EqualTo("$.nfs['ttl.b']"));
        Assert.That(d.Chains.Select(c => c.Name), Is.EqualTo(new[] { "v4", "chain1", "replay" }));
        Assert.That(d.Chains[1].Through, Is.Empty);
        Assert.That(d.Invariants.Select(i => (i.Kind, i.Expect)), Is.EqualTo(new (string, string?)[]
            { ("isolation", null), ("flow-isolation", "violated"), ("data-isolation", null), ("traversal", "holds") }));
        Assert.That(d.Invariants[0].Through, Is.Empty);
        Assert.That(d.Invariants[3].Through, Is.EqualTo(new[] { "ttl-a", "mon" }));
    }

    [Test]
    public void NfConfig_IsClonedSoItOutlivesTheDocument()
    {
        using var dir = new TempDir();
        var result = ConfigTestFiles.Parse("""
            { "ports": { "g": { "type": "generator" }, "n": { "type": "null" } },
              "nfs": { "t": { "type": "ttl", "config": { "limit": 3, "names": ["a", "b"] } } },
              "chains": [ { "from": "g", "through": ["t"], "to": "n" } ] }
            """, dir);
        Assert.That(result.Ok, Is.True, result.FormatErrors());

        // The loader disposed its JsonDocument before returning; reading a non-cloned element would throw.
        GC.Collect();
        var config = new Sdk.NfConfig(result.Deployment!.Nfs["t"].Config, "$.nfs.t.config");
        Assert.That(config.GetInt("limit"), Is.EqualTo(3));
        Assert.That(config.GetStrings("names"), Is.EqualTo(new[] { "a", "b" }));
    }

    [Test]
    public void Load_AcceptsAUtf8ByteOrderMark()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "plugins.json");
        File.WriteAllText(path, """{ "ports": { "g": { "type": "generator" }, "n": { "type": "null" } }, "chains": [ { "from": "g", "to": "n" } ] }""",
                          new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        Assert.That(File.ReadAllBytes(path)[0], Is.EqualTo(0xEF));

        var result = DeploymentLoader.Load(path, ConfigTestFiles.KnownNfTypes);

        Assert.That(result.Ok, Is.True, result.FormatErrors());
    }

    [Test]
    public void IntegralFloats_CountAsIntegers_AsInJsonSchema()
    {
        using var dir = new TempDir();
        var result = ConfigTestFiles.Parse("""
            { "cores": 2.0, "ports": { "g": { "type": "generator", "flows": 1e3 }, "n": { "type": "null" } },
              "chains": [ { "from": "g", "to": "n" } ] }
            """, dir);
        Assert.That(result.Ok, Is.True, result.FormatErrors());
        Assert.That(result.Deployment!.Cores, Is.EqualTo(2));
        Assert.That(((GeneratorPortSpec)result.Deployment.Ports["g"]).Flows, Is.EqualTo(1000));
    }
}
