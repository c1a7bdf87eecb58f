using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Host.Cli;
using Switchboard.Host.Config;
using Switchboard.Host.Plugins;
using Switchboard.Host.Runtime;
using Switchboard.Host.Tests.Config;

namespace Switchboard.Host.Tests.Plugins;

/// <summary>
/// A plugin NF's configSchema (plugin.json) is enforced: an invalid schema refuses the package at load, naming the
/// manifest location; an instance's config is checked before anything is built, every problem named by its
/// plugins.json path; and the first-party schemas accept the configs the repository ships.
/// </summary>
public class ConfigSchemaTests
{
    /// <summary>limit: integer >= 1 (required); mode: "fast" | "safe"; rules: [{ port: 1..65535 }]; nothing else.</summary>
    internal const string CounterSchema = """
        {
          "type": "object",
          "additionalProperties": false,
          "required": ["limit"],
          "properties": {
            "limit": { "type": "integer", "minimum": 1 },
            "mode": { "enum": ["fast", "safe"] },
            "rules": { "type": "array", "items": { "type": "object", "properties": { "port": { "type": "integer", "minimum": 1, "maximum": 65535 } } } },
            "name": { "anyOf": [ { "type": "string", "minLength": 2 }, { "type": "null" } ] }
          }
        }
        """;

    /// <summary>A vendor package whose NF "counter" declares <paramref name="schema"/> (raw JSON).</summary>
    internal static string VendorWithSchema(TempDir dir, string schema, string folder = "acme")
    {
        var path = PluginFixtures.Vendor(dir, folder);
        var manifestPath = Path.Combine(path, "plugin.json");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        manifest["nfs"]![0]!["configSchema"] = JsonNode.Parse(schema);
        File.WriteAllText(manifestPath, manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    private static string Deployment(string counterConfig, string extraNfs = "", string through = "\"c\"") => $$"""
        {
          "cores": 1,
          "plugins": ["acme"],
          "ports": { "gen": { "type": "generator", "count": 100 }, "sink": { "type": "null" } },
          "nfs": {
            "c": { "type": "counter", "config": {{counterConfig}} }{{extraNfs}}
          },
          "chains": [ { "from": "gen", "through": [{{through}}], "to": "sink" } ]
        }
        """;

    private static (LoadResult Result, DeploymentPlugins Plugins) Load(TempDir dir, string json)
    {
        var plugins = new DeploymentPlugins();
        var result = DeploymentLoader.Parse(json, Path.Combine(dir.Path, "plugins.json"), NfRegistry.BuiltIn().Names, plugins: plugins.Load,
            checkConfigs: plugins.CheckConfigs);
        return (result, plugins);
    }

    private static void UnloadAll(DeploymentPlugins plugins)
    {
        foreach (var p in plugins.Catalog?.Loaded ?? []) plugins.Catalog!.Unload(p);
    }

    [Test]
    public void A_config_the_schema_accepts_loads()
    {
        using var dir = new TempDir();
        VendorWithSchema(dir, CounterSchema);
        var (result, plugins) = Load(dir, Deployment("""{ "limit": 5, "mode": "safe", "rules": [ { "port": 80 } ], "name": null }"""));
        Assert.That(result.Errors, Is.Empty, result.FormatErrors());
        UnloadAll(plugins);
    }

    [Test]
    public void Every_problem_is_named_by_its_plugins_json_path_with_line_and_column()
    {
        using var dir = new TempDir();
        VendorWithSchema(dir, CounterSchema);
        var json = Deployment("""{ "limit": 0, "mode": "slow", "rules": [ { "port": 80 }, { "port": 70000 } ], "extra": true, "name": 3 }""",
            """, "d": { "type": "counter", "config": {} }""", "\"c\", \"d\"");
        var (result, plugins) = Load(dir, json);
        var errors = result.Errors.Select(e => $"{e.JsonPath}: {e.Message}").ToList();
        Assert.That(errors, Is.EquivalentTo(new[]
        {
            "$.nfs.c.config.limit: must be >= 1 (schema: minimum)",
            "$.nfs.c.config.mode: must be one of \"fast\", \"safe\" (schema: enum)",
            "$.nfs.c.config.rules[1].port: must be <= 65535 (schema: maximum)",
            "$.nfs.c.config.extra: unknown key 'extra' (schema: additionalProperties)",
            "$.nfs.c.config.name: matches none of the allowed forms: must be a string, not the number 3 | must be null, not the number 3 (schema: anyOf)",
            "$.nfs.d.config.limit: is required but missing (schema: required)",
        }), result.FormatErrors());
        Assert.That(result.Errors.Single(e => e.JsonPath == "$.nfs.c.config.limit").ToString(),
            Does.StartWith(Path.Combine(dir.Path, "plugins.json") + ":6:43: $.nfs.c.config.limit"), "located in the deployment file");
        Assert.That(result.Deployment, Is.Null);
        UnloadAll(plugins);
    }

    [Test]
    public void A_duplicate_key_in_a_config_is_reported_once_and_checked_without_failing()
    {
        using var dir = new TempDir();
        VendorWithSchema(dir, CounterSchema);
        var (result, plugins) = Load(dir, Deployment("""{ "limit": 1, "limit": 0 }"""));
        Assert.That(result.Errors.Select(e => e.JsonPath), Has.Some.EqualTo("$.nfs.c.config.limit"), result.FormatErrors());
        Assert.That(result.Deployment, Is.Null);
        UnloadAll(plugins);
    }

    [Test]
    public void Switchboard_run_refuses_a_config_the_schema_rejects_and_starts_nothing()
    {
        using var dir = new TempDir();
        VendorWithSchema(dir, CounterSchema);
        var config = Path.Combine(dir.Path, "plugins.json");
        File.WriteAllText(config, Deployment("""{ "limit": -3 }"""));
        var output = new StringWriter();
        var errors = new StringWriter();
        int code = RunCommand.Execute(new(config, 5, false, null, true), output, errors, CancellationToken.None);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(errors.ToString(), Does.Contain("nothing was started").And.Contain("$.nfs.c.config.limit: must be >= 1 (schema: minimum)"));
        Assert.That(output.ToString(), Does.Not.Contain("Switchboard:"), "no dataplane was built");
    }

    [Test]
    public void Switchboard_run_starts_a_plugin_nf_whose_config_the_schema_accepts()
    {
        using var dir = new TempDir();
        VendorWithSchema(dir, CounterSchema);
        var config = Path.Combine(dir.Path, "plugins.json");
        File.WriteAllText(config, Deployment("""{ "limit": 3 }"""));
        var output = new StringWriter();
        var errors = new StringWriter();
        int code = RunCommand.Execute(new(config, 5, false, null, true), output, errors, CancellationToken.None);
        Assert.That(code, Is.Zero, errors.ToString());
        Assert.That(output.ToString(), Does.Match(@"\n\s+c\s+counter\s+100\s+100\s.*seen=100"));
    }

    [Test]
    public void References_inside_the_schema_are_followed()
    {
        using var dir = new TempDir();
        VendorWithSchema(dir, """
            { "$defs": { "port": { "type": "integer", "minimum": 1, "maximum": 65535 } },
              "properties": { "ports": { "type": "array", "items": { "$ref": "#/$defs/port" } } } }
            """);
        var (result, plugins) = Load(dir, Deployment("""{ "ports": [ 80, 0 ] }"""));
        Assert.That(result.Errors.Select(e => $"{e.JsonPath}: {e.Message}"), Is.EqualTo(new[] { "$.nfs.c.config.ports[1]: must be >= 1 (schema: minimum)" }));
        UnloadAll(plugins);
    }

    [Test]
    public void A_type_without_a_schema_takes_any_config()
    {
        using var dir = new TempDir();
        PluginFixtures.Vendor(dir, "acme");
        var (result, plugins) = Load(dir, Deployment("""{ "anything": [1, "two"] }"""));
        Assert.That(result.Errors, Is.Empty, result.FormatErrors());
        Assert.That(plugins.Catalog!.Active("acme.counter")!.ConfigSchemaOf("counter"), Is.Null);
        UnloadAll(plugins);
    }

    [TestCase("""{ "type": "integr" }""", "$.nfs[0].configSchema.type")]
    [TestCase("""{ "properties": { "limit": { "minimum": "one" } } }""", "$.nfs[0].configSchema.properties.limit.minimum")]
    [TestCase("""{ "required": "limit" }""", "$.nfs[0].configSchema.required")]
    [TestCase("""{ "$schema": "https://example.org/my-dialect" }""", "$.nfs[0].configSchema.$schema")]
    [TestCase("""{ "properties": { "a": { "$ref": "https://example.org/remote.json" } } }""", "$.nfs[0].configSchema.properties.a.$ref")]
    [TestCase("""{ "properties": { "a": { "$ref": "#/$defs/missing" } } }""", "$.nfs[0].configSchema.properties.a.$ref")]
    public void An_invalid_schema_refuses_the_package_at_load_naming_the_manifest_location(string schema, string path)
    {
        using var dir = new TempDir();
        var pkg = VendorWithSchema(dir, schema);
        var e = Assert.Throws<PluginRefusedException>(() => new PluginCatalog().Load(pkg))!;
        Assert.That(e.Stage, Is.EqualTo(RefusalStage.Manifest));
        var where = e.Problems.Select(p => p.Where).ToList();
        Assert.That(where, Has.Some.Match(@"^" + System.Text.RegularExpressions.Regex.Escape(Path.Combine(pkg, "plugin.json")) + @":\d+:\d+: "
                                           + System.Text.RegularExpressions.Regex.Escape(path) + "$"), e.Message);
    }

    [Test]
    public void An_invalid_schema_in_a_deployments_package_is_a_deployment_error()
    {
        using var dir = new TempDir();
        VendorWithSchema(dir, """{ "type": "integr" }""");
        var (result, _) = Load(dir, Deployment("{}"));
        Assert.That(result.Errors.Select(e => e.ToString()), Has.Some.Contains("$.plugins[0]: plugin package refused (manifest)")
                                                             .And.Some.Contains("plugin.json:").And.Some.Contains("$.nfs[0].configSchema.type"));
    }

    [Test]
    public void The_nfs_command_lists_the_deployments_plugin_types_with_package_version_and_schema()
    {
        using var dir = new TempDir();
        VendorWithSchema(dir, CounterSchema);
        PluginFixtures.Vendor(dir, "plain", id: "acme.meter", nfType: "meter", entryType: "Acme.Meter.MeterNf", assemblyName: "Acme.Meter",
            source: PluginFixtures.CounterSource.Replace("Acme.Counter", "Acme.Meter").Replace("\"counter\"", "\"meter\"").Replace("CounterNf", "MeterNf"));
        var config = Path.Combine(dir.Path, "plugins.json");
        File.WriteAllText(config, Deployment("""{ "limit": 1 }""").Replace("\"plugins\": [\"acme\"]", "\"plugins\": [\"acme\", \"plain\"]"));
        var output = new StringWriter();
        var errors = new StringWriter();
        Assert.That(NfsCommand.Execute(config, output, errors), Is.Zero, errors.ToString());
        var lines = output.ToString().Split('\n');
        Assert.That(lines, Has.Some.Match(@"^\s+ttl\s+Switchboard\.Plugins\.Ttl\s"), "built-in types are listed too");
        Assert.That(lines, Has.Some.Match(@"^\s+counter\s+acme\.counter\s+1\.0\.0\s+declared\s"));
        Assert.That(lines, Has.Some.Match(@"^\s+meter\s+acme\.meter\s+1\.0\.0\s+none\s"));
    }

    [Test]
    public void The_nfs_command_reports_a_refused_package()
    {
        using var dir = new TempDir();
        VendorWithSchema(dir, """{ "minimum": "x" }""");
        var config = Path.Combine(dir.Path, "plugins.json");
        File.WriteAllText(config, Deployment("{}"));
        var errors = new StringWriter();
        Assert.That(NfsCommand.Execute(config, new StringWriter(), errors), Is.EqualTo(2));
        Assert.That(errors.ToString(), Does.Contain("$.plugins[0]").And.Contain("$.nfs[0].configSchema.minimum"));
    }

    public static IEnumerable<TestCaseData> ShippedDeployments() =>
        new[] { Path.Combine(ConfigTestFiles.RepoRoot, "plugins.json") }
            .Concat(Directory.GetFiles(ConfigTestFiles.ExamplesDir, "*.json").Order(StringComparer.Ordinal))
            .Select(f => new TestCaseData(f).SetName($"First_party_schemas_accept_{Path.GetFileNameWithoutExtension(f)}"));

    private static readonly Lazy<Dictionary<string, LoadedPlugin>> FirstParty = new(() =>
    {
        var catalog = new PluginCatalog();
        return new[] { "Ttl", "Monitor", "Nat", "Maglev", "Lpm", "Ips", "Firewall" }
            .Select(n => catalog.Load(PluginFixtures.FirstParty(n))).ToDictionary(p => p.NfTypes.Single(), StringComparer.Ordinal);
    });

    /// <summary>The in-tree NFs' package schemas accept every config the repository ships, so running a first-party
    /// package instead of the built-in NF does not break a shipped deployment.</summary>
    [TestCaseSource(nameof(ShippedDeployments))]
    public void First_party_schemas_accept_the_shipped_configs(string file)
    {
        var result = DeploymentLoader.Load(file, NfRegistry.BuiltIn().Names);
        Assert.That(result.Errors, Is.Empty, result.FormatErrors());
        var problems = result.Deployment!.Nfs.Values
            .SelectMany(spec => FirstParty.Value[spec.Type].CheckConfig(spec.Type, spec.Config, Switchboard.Json.JsonPath.Key(spec.Path, "config")))
            .Select(p => p.ToString()).ToList();
        Assert.That(problems, Is.Empty);
        Assert.That(result.Deployment.Nfs.Values.Select(s => FirstParty.Value[s.Type].ConfigSchemaOf(s.Type)), Has.All.Not.Null,
            "every first-party NF declares a schema");
    }

    [Test]
    public void First_party_schemas_refuse_a_wrong_config()
    {
        var monitor = FirstParty.Value["monitor"];
        var config = JsonDocument.Parse("""{ "maxFlows": 0, "top": "five", "reportSecs": 1 }""").RootElement;
        Assert.That(monitor.CheckConfig("monitor", config, "$.nfs.mon.config").Select(p => p.ToString()), Is.EquivalentTo(new[]
        {
            "$.nfs.mon.config.maxFlows: must be >= 1 (schema: minimum)",
            "$.nfs.mon.config.top: must be an integer, not a string (schema: type)",
            "$.nfs.mon.config.reportSecs: unknown key 'reportSecs' (schema: additionalProperties)",
        }));
    }
}

/// <summary>The in-tree NFs' plugin.json schemas are enforced like a package's: at deployment load (run, validate)
/// and, unless a loaded plugin shadows the type, with that plugin's schema instead.</summary>
public class BuiltInConfigSchemaTests
{
    private static LoadResult Load(TempDir dir, string json)
    {
        var plugins = new DeploymentPlugins();
        return DeploymentLoader.Parse(json, Path.Combine(dir.Path, "plugins.json"), NfRegistry.BuiltIn().Names, plugins: plugins.Load,
            checkConfigs: plugins.CheckConfigs);
    }

    [Test]
    public void Every_in_tree_nf_declares_a_schema_the_host_enforces() =>
        Assert.That(NfConfigSchemas.BuiltInTypes, Is.EquivalentTo(NfRegistry.BuiltIn().BuiltInTypes.Select(t => t.Name)));

    [Test]
    public void A_built_in_nfs_config_is_checked_against_its_manifest_schema()
    {
        using var dir = new TempDir();
        var result = Load(dir, """
            {
              "cores": 1,
              "ports": { "gen": { "type": "generator" }, "sink": { "type": "null" } },
              "nfs": { "mon": { "type": "monitor", "config": { "maxFlows": 0 } }, "t": { "type": "ttl", "config": { "x": 1 } } },
              "chains": [ { "from": "gen", "through": ["mon", "t"], "to": "sink" } ]
            }
            """);
        Assert.That(result.Errors.Select(e => $"{e.JsonPath}: {e.Message}"), Is.EquivalentTo(new[]
        {
            "$.nfs.mon.config.maxFlows: must be >= 1 (schema: minimum)",
            "$.nfs.t.config.x: unknown key 'x' (schema: additionalProperties)",
        }));
    }

    [Test]
    public void A_plugin_that_shadows_a_built_in_type_brings_its_own_schema()
    {
        using var dir = new TempDir();
        PluginFixtures.Vendor(dir, "acme", nfType: "monitor",
            source: PluginFixtures.CounterSource.Replace("[NetworkFunction(\"counter\"", "[NetworkFunction(\"monitor\""));
        var plugins = new DeploymentPlugins();
        var result = DeploymentLoader.Parse("""
            {
              "cores": 1,
              "plugins": ["acme"],
              "ports": { "gen": { "type": "generator" }, "sink": { "type": "null" } },
              "nfs": { "mon": { "type": "monitor", "config": { "maxFlows": 0, "anything": true } } },
              "chains": [ { "from": "gen", "through": ["mon"], "to": "sink" } ]
            }
            """, Path.Combine(dir.Path, "plugins.json"), NfRegistry.BuiltIn().Names, plugins: plugins.Load, checkConfigs: plugins.CheckConfigs);
        Assert.That(result.Errors, Is.Empty, "the vendor's monitor declares no schema: " + result.FormatErrors());
        foreach (var p in plugins.Catalog!.Loaded) plugins.Catalog.Unload(p);
    }
}
