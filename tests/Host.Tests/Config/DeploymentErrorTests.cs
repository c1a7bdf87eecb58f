using Switchboard.Host.Config;

namespace Switchboard.Host.Tests.Config;

/// <summary>Errors carry the right path, message and position, and all of them are reported.
/// (One test per error kind lives in the fixtures: see SchemaAgreementTests and Fixtures/expected-errors.tsv.)</summary>
public class DeploymentErrorTests
{
    private const string TwoChains = """
        {
          "ports": {
            "gen": { "type": "generator" },
            "gen2": { "type": "generator" },
            "sink": { "type": "null" }
          },
          "nfs": {
            "ttl": { "type": "ttl" },
            "mon": { "type": "monitor" }
          },
          "chains": [
            { "from": "gen", "through": ["ttl", "mon"], "to": "sink" },
            { "from": "gen2", "through": ["fw"], "to": "sink" }
          ]
        }
        """;

    [Test]
    public void UnknownNfReference_FormatsPathMessageAndPosition()
    {
        using var dir = new TempDir();
        var result = DeploymentLoader.Parse(TwoChains, "plugins.json", ConfigTestFiles.KnownNfTypes, dir.Path);

        Assert.That(result.Ok, Is.False);
        Assert.That(result.Deployment, Is.Null);
        Assert.That(result.Errors.Select(e => e.ToString()),
                    Is.EqualTo(new[] { "plugins.json:13:35: $.chains[1].through[0]: unknown NF 'fw'; defined NFs: ttl, mon" }));
    }

    [Test]
    public void EveryError_IsReported_InFileOrder()
    {
        using var dir = new TempDir();
        var result = ConfigTestFiles.Parse("""
            {
              "cores": 0,
              "batchSize": 32,
              "ports": {
                "gen": { "type": "generator", "flows": 0, "packetSize": [100, 70] },
                "sink": { "type": "null", "extra": 1 }
              },
              "nfs": { "ttl": { "type": "tll" } },
              "chains": [ { "from": "gen", "through": ["ttl"], "to": "nowhere" } ],
              "invariants": [ { "name": "x", "kind": "traversal", "from": "gen", "to": "sink" } ]
            }
            """, dir);

        Assert.That(result.Errors.Select(e => (e.JsonPath, e.Line)), Is.EqualTo(new (string, int?)[]
        {
            ("$.cores", 2),
            ("$.ports.gen.flows", 5),
            ("$.ports.gen.packetSize", 5),
            ("$.ports.sink", 6),            // unused: the chain's "to" names no port
            ("$.ports.sink.extra", 6),
            ("$.nfs.ttl.type", 8),
            ("$.chains[0].to", 9),
            ("$.invariants[0].through", 10),
        }), result.FormatErrors());
        Assert.That(result.Errors[0].Message, Is.EqualTo("must be 1..64, got 0"));
        Assert.That(result.Errors[6].Message, Is.EqualTo("unknown port 'nowhere'; defined ports: gen, sink"));
    }

    [Test]
    public void PipelineStages_AreCheckedWithTheirPaths()
    {
        using var dir = new TempDir();
        var result = ConfigTestFiles.Parse("""
            {
              "cores": 1,
              "ports": { "gen": { "type": "generator" }, "sink": { "type": "null" } },
              "nfs": { "ttl": { "type": "ttl" }, "mon": { "type": "monitor" } },
              "chains": [ { "from": "gen", "through": ["ttl", "mon"], "to": "sink" } ],
              "invariants": [
                { "name": "one", "kind": "pipeline", "from": "gen", "to": "sink", "stages": ["ttl"] },
                { "name": "bad", "kind": "pipeline", "from": "gen", "to": "sink", "stages": ["tl", [], ["mon", 3], "mon"] },
                { "name": "twice", "kind": "pipeline", "from": "gen", "to": "sink", "stages": [["ttl", "ttl"], "mon"] },
                { "name": "none", "kind": "pipeline", "from": "gen", "to": "sink" },
                { "name": "iso", "kind": "isolation", "from": "gen", "to": "sink", "stages": ["ttl", "mon"] }
              ]
            }
            """, dir);
        Assert.That(result.Errors.Select(e => (e.JsonPath, e.Message)), Is.EqualTo(new (string, string)[]
        {
            ("$.invariants[0].stages", "a pipeline names at least two stages in the order packets pass them, got 1; for one NF use kind 'traversal'"),
            ("$.invariants[1].stages[0]", "unknown NF 'tl' (did you mean 'ttl'?); defined NFs: ttl, mon"),
            ("$.invariants[1].stages[1]", "an empty stage: name the NF (or the alternative NFs) packets must pass here"),
            ("$.invariants[1].stages[2][1]", "expected an NF name, got the number 3"),
            ("$.invariants[1].stages[3]", "'mon' is already in stage 3; an NF belongs to one stage"),
            ("$.invariants[2].stages[0][1]", "'ttl' is named twice in this stage"),
            ("$.invariants[3].stages", "required key is missing"),
            ("$.invariants[4].stages", "\"stages\" is only allowed for kind 'pipeline'"),
        }), result.FormatErrors());
    }

    [Test]
    public void Positions_PointAtTheKey_OrAtTheEnclosingObjectWhenAKeyIsMissing()
    {
        using var dir = new TempDir();
        var result = ConfigTestFiles.Parse("""
            {
              "ports": {
                "gen": {
                  "type": "generator",
                  "flows": 0
                },
                "out": { "type": "pcap-out" }
              },
              "chains": [
                { "from": "gen", "to": "out", "through": [ 7 ] }
              ]
            }
            """, dir);

        Assert.That(result.Errors.Select(e => (e.JsonPath, e.Line, e.Column)), Is.EqualTo(new (string, int?, int?)[]
        {
            ("$.ports.gen.flows", 5, 7),
            ("$.ports.out.file", 7, 5),       // missing: at the port's own key
            ("$.chains[0].through[0]", 10, 48),
        }), result.FormatErrors());
    }

    [Test]
    public void Columns_CountCharactersNotUtf8Bytes()
    {
        using var dir = new TempDir();
        const string json = """{ "$schema": "ééé/ü", "cores": 0, "ports": { "g": { "type": "generator" }, "n": { "type": "null" } }, "chains": [ { "from": "g", "to": "n" } ] }""";
        var result = ConfigTestFiles.Parse(json, dir);

        var error = result.Errors.Single();
        Assert.That((error.JsonPath, error.Line, error.Column), Is.EqualTo(("$.cores", (int?)1, (int?)(json.IndexOf("\"cores\"", StringComparison.Ordinal) + 1))));
    }

    [Test]
    public void MalformedJson_ReportsTheReadersPosition()
    {
        using var dir = new TempDir();
        var result = ConfigTestFiles.Parse("{\n  \"cores\": 2\n  \"ports\": {}\n}\n", dir);

        var error = result.Errors.Single();
        Assert.That((error.Line, error.Column), Is.EqualTo(((int?)3, (int?)3)));
        Assert.That(error.Message, Does.StartWith("malformed JSON: "));
        Assert.That(error.Message, Does.Not.Contain("LineNumber"));
        Assert.That(result.Deployment, Is.Null);
    }

    [TestCase("", 1, TestName = "Empty file")]
    [TestCase("{ \"cores\": 2, }", 1, TestName = "Trailing comma")]
    [TestCase("{\n  // a comment\n  \"cores\": 2\n}", 2, TestName = "Comment")]
    [TestCase("{ \"cores\": 2 } {}", 1, TestName = "Two values")]
    [TestCase("{\n \"ports\": {\n", 3, TestName = "Truncated")]
    public void NotJson_IsOneErrorWithALine(string text, int line)
    {
        using var dir = new TempDir();
        var result = ConfigTestFiles.Parse(text, dir);

        var error = result.Errors.Single();
        Assert.That(error.Message, Does.StartWith("malformed JSON: "));
        Assert.That(error.Line, Is.EqualTo(line));
        Assert.That(error.Column, Is.Not.Null);
    }

    [TestCase("\"flows\": 1e400", "$.ports.g.flows", "expected an integer, got 1e400")]
    [TestCase("\"count\": 1e19", "$.ports.g.count", "must be >= 0, got 1e19")]
    [TestCase("\"tcpShare\": 1e400", "$.ports.g.tcpShare", "must be 0..1, got 1e400")]
    [TestCase("\"seed\": 2147483648", "$.ports.g.seed", "must be -2147483648..2147483647, got 2147483648")]
    public void OutOfRangeNumbers_AreErrors(string member, string path, string message)
    {
        using var dir = new TempDir();
        var result = ConfigTestFiles.Parse($$"""
            { "ports": { "g": { "type": "generator", {{member}} }, "n": { "type": "null" } },
              "chains": [ { "from": "g", "to": "n" } ] }
            """, dir);

        Assert.That(result.Errors.Select(e => $"{e.JsonPath}: {e.Message}"), Is.EqualTo(new[] { $"{path}: {message}" }));
    }

    [Test]
    public void DuplicateKeys_AreErrors_EvenInsidePassedThroughNfConfig()
    {
        using var dir = new TempDir();
        var result = ConfigTestFiles.Parse("""
            {
              "cores": 1,
              "ports": { "g": { "type": "generator" }, "n": { "type": "null" } },
              "nfs": { "t": { "type": "ttl", "config": { "x": 1, "x": 2 } } },
              "chains": [ { "from": "g", "through": ["t"], "to": "n" } ],
              "cores": 2
            }
            """, dir);

        Assert.That(result.Errors.Select(e => (e.JsonPath, e.Line)), Is.EqualTo(new (string, int?)[]
        {
            ("$.nfs.t.config.x", 4),
            ("$.cores", 6),
        }), result.FormatErrors());
        Assert.That(result.Errors[1].Message, Is.EqualTo("duplicate key 'cores' (first defined at line 2); each key may appear once"));
    }

    [Test]
    public void RootMustBeAnObject()
    {
        using var dir = new TempDir();
        var result = ConfigTestFiles.Parse("[1, 2]", dir);
        Assert.That(result.Errors.Select(e => e.ToString()), Is.EqualTo(new[] { $"{Path.Combine(dir.Path, "plugins.json")}:1:1: $: expected an object, got an array" }));
    }

    [Test]
    public void BrokenPortDefinition_DoesNotCascadeIntoChainErrors()
    {
        using var dir = new TempDir();
        var result = ConfigTestFiles.Parse("""
            { "ports": { "g": { "type": "fast-generator", "flows": 5 }, "n": { "type": "null" } },
              "chains": [ { "from": "g", "to": "n" } ] }
            """, dir);

        Assert.That(result.Errors.Select(e => e.JsonPath), Is.EqualTo(new[] { "$.ports.g.type" }), result.FormatErrors());
        Assert.That(result.Errors[0].Message, Is.EqualTo("unknown port type 'fast-generator'; port types: generator, pcap-in, pcap-out, null, dpdk"));
    }

    [Test]
    public void PortAndNfConfusion_IsExplained()
    {
        using var dir = new TempDir();
        var result = ConfigTestFiles.Parse("""
            { "ports": { "g": { "type": "generator" }, "n": { "type": "null" } },
              "nfs": { "t": { "type": "ttl" } },
              "chains": [ { "from": "t", "through": ["g"], "to": "n" } ] }
            """, dir);

        Assert.That(result.Errors.Select(e => $"{e.JsonPath}: {e.Message}"), Is.EqualTo(new[]
        {
            "$.ports.g: port 'g' is not used by any chain; connect it or remove it",
            "$.nfs.t: NF 't' is not used by any chain; add it to a chain's \"through\" or remove it",
            "$.chains[0].from: 't' is an NF, not a port; defined ports: g, n",
            "$.chains[0].through[0]: 'g' is a port, not an NF; defined NFs: t",
        }), result.FormatErrors());
    }

    [Test]
    public void NoKnownNfTypes_SaysSo()
    {
        using var dir = new TempDir();
        var result = ConfigTestFiles.Parse("""
            { "ports": { "g": { "type": "generator" }, "n": { "type": "null" } },
              "nfs": { "t": { "type": "ttl" } },
              "chains": [ { "from": "g", "through": ["t"], "to": "n" } ] }
            """, dir, new HashSet<string>());

        Assert.That(result.Errors.Single().Message, Is.EqualTo("unknown NF type 'ttl'; known NF types: (none)"));
    }

    [Test]
    public void KeysThatNeedQuoting_UseBracketPaths()
    {
        using var dir = new TempDir();
        var result = ConfigTestFiles.Parse("""
            { "ports": { "g": { "type": "generator" }, "n": { "type": "null" }, "my port": { "type": "null" } },
              "chains": [ { "from": "g", "to": "n" }, { "from": "g", "to": "my port" } ] }
            """, dir);

        Assert.That(result.Errors.Select(e => e.JsonPath), Is.EqualTo(new[] { "$.ports['my port']", "$.chains[1].from" }), result.FormatErrors());
        Assert.That(result.Errors[0].Message, Does.StartWith("'my port' is not a valid port name: "));
    }

    [Test]
    public void Load_MissingFile_IsAnError()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "absent.json");
        var result = DeploymentLoader.Load(path, ConfigTestFiles.KnownNfTypes);

        var error = result.Errors.Single();
        Assert.That(error.ToString(), Does.StartWith($"{path}: $: cannot read the deployment file: "));
        Assert.That(result.Ok, Is.False);
    }

    [Test]
    public void Load_NamesTheFileInEachError()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "site.json");
        File.WriteAllText(path, "{\n  \"cores\": 99,\n  \"ports\": {},\n  \"chains\": []\n}\n");
        var result = DeploymentLoader.Load(path, ConfigTestFiles.KnownNfTypes);

        Assert.That(result.FormatErrors(), Is.EqualTo(
            $"{path}:2:3: $.cores: must be 1..64, got 99{Environment.NewLine}{path}:4:3: $.chains: at least one chain is required"));
    }

    [Test]
    public void ConfigError_ToString_OmitsWhatItDoesNotKnow()
    {
        Assert.That(new ConfigError("$.a", "bad", 3, 4) { Source = "p.json" }.ToString(), Is.EqualTo("p.json:3:4: $.a: bad"));
        Assert.That(new ConfigError("$.a", "bad", null, null) { Source = "p.json" }.ToString(), Is.EqualTo("p.json: $.a: bad"));
        Assert.That(new ConfigError("$.a", "bad", null, null).ToString(), Is.EqualTo("$.a: bad"));
    }
}
