using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using Switchboard.Control.Tests.Support;
using Switchboard.Control.V1;
using Switchboard.Host.Cli;

namespace Switchboard.Control.Tests;

/// <summary>
/// A plugin NF's configSchema over the real control plane: `ctl insert` and `ctl replace` check the new instance's
/// config before anything is built, refuse with every problem named by its plugins.json path, and leave the running
/// switch exactly as it was (chains, instances, the NF objects themselves, the loaded plugin generations).
/// </summary>
public class ConfigSchemaControlTests
{
    /// <summary>v1: limit (integer >= 1) required, optional mode; v2 also requires mode.</summary>
    private const string SchemaV1 = """
        { "type": "object", "additionalProperties": false, "required": ["limit"],
          "properties": { "limit": { "type": "integer", "minimum": 1 }, "mode": { "enum": ["fast", "safe"] } } }
        """;
    private static readonly string SchemaV2 = SchemaV1.Replace("\"required\": [\"limit\"]", "\"required\": [\"limit\", \"mode\"]");

    private static string WriteWithSchema(string dir, string folder, string version, string schema)
    {
        var path = VendorPackage.Write(dir, folder, VendorPackage.CounterSource("seen"), version);
        var manifestPath = Path.Combine(path, "plugin.json");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        manifest["nfs"]![0]!["configSchema"] = JsonNode.Parse(schema);
        File.WriteAllText(manifestPath, manifest.ToJsonString());
        return path;
    }

    private static async Task<RpcException> Fails(Func<Task> call) => (await Assert.ThrowsAsync<RpcException>(async () => await call()))!;

    /// <summary>Everything an operator can see of the switch's chain and plugin state, as text.</summary>
    private static async Task<string> Snapshot(SwitchUnderTest sw)
    {
        var chains = await sw.Chains().ListAsync(new ListChainsRequest());
        var instances = await sw.Chains().ListNfInstancesAsync(new ListNfInstancesRequest());
        var plugins = await sw.Plugins().ListAsync(new ListPluginsRequest());
        return string.Join("\n",
            chains.Chains.Select(c => $"chain {c.Name}: {c.From} -> {string.Join(" -> ", c.Through)} -> {c.To}")
                .Concat(instances.Instances.Select(i => $"nf {i.Name}: {i.Type} {i.ConfigJson}"))
                .Concat(plugins.Plugins.Select(p => $"plugin {p.Id} {p.Version} {string.Join(",", p.NfTypes)}")));
    }

    private static object? Function(SwitchUnderTest sw, string instance) => sw.Dataplane.Nfs.FirstOrDefault(n => n.Name == instance)?.Function;

    [Test]
    public async Task Insert_checks_the_config_against_the_schema_before_building_anything()
    {
        await using var sw = await SwitchUnderTest.StartAsync();
        var v1 = WriteWithSchema(sw.Directory, "counter-1", "1.0.0", SchemaV1);
        await sw.Plugins().LoadAsync(new LoadPluginRequest { Package = new PackageSource { Path = v1 } });
        var before = await Snapshot(sw);

        var refused = await Fails(() => sw.Chains().InsertNfAsync(new InsertNfRequest
        {
            Chain = "main", Position = 1,
            NewInstance = new NfInstanceSpec { Name = "count", Type = "counter", ConfigJson = """{ "limit": 0, "extra": true }""" },
        }).ResponseAsync);
        Assert.That(refused.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(refused.Status.Detail, Does.Contain("$.nfs.count.config.limit: must be >= 1 (schema: minimum)")
                                              .And.Contain("$.nfs.count.config.extra: unknown key 'extra' (schema: additionalProperties)")
                                              .And.Contain("acme.counter 1.0.0").And.Contain("nothing was changed"));
        Assert.That(await Snapshot(sw), Is.EqualTo(before), "the switch is unchanged");
        Assert.That(Function(sw, "count"), Is.Null);

        var missing = await Fails(() => sw.Chains().InsertNfAsync(new InsertNfRequest
        {
            Chain = "main", Position = 1, NewInstance = new NfInstanceSpec { Name = "count", Type = "counter" },
        }).ResponseAsync);
        Assert.That(missing.Status.Detail, Does.Contain("$.nfs.count.config.limit: is required but missing (schema: required)"));
        Assert.That(await Snapshot(sw), Is.EqualTo(before));

        var inserted = await sw.Chains().InsertNfAsync(new InsertNfRequest
        {
            Chain = "main", Position = 1, NewInstance = new NfInstanceSpec { Name = "count", Type = "counter", ConfigJson = """{ "limit": 2 }""" },
        });
        Assert.That(inserted.Chain.Through, Is.EqualTo(new[] { "ttl", "count", "mon" }));
        Assert.That(Function(sw, "count"), Is.Not.Null);
    }

    [Test]
    public async Task Create_chain_checks_each_new_instances_config_before_building_anything()
    {
        await using var sw = await SwitchUnderTest.StartAsync();
        var v1 = WriteWithSchema(sw.Directory, "counter-1", "1.0.0", SchemaV1);
        await sw.Plugins().LoadAsync(new LoadPluginRequest { Package = new PackageSource { Path = v1 } });
        await sw.Chains().DeleteAsync(new DeleteChainRequest { Name = "main" });
        var before = await Snapshot(sw);

        CreateChainRequest Request(string counterConfig) => new()
        {
            Name = "counted", From = "gen", To = "sink", Through = { "ttl2", "count" },
            NewInstances =
            {
                new NfInstanceSpec { Name = "ttl2", Type = "ttl" },
                new NfInstanceSpec { Name = "count", Type = "counter", ConfigJson = counterConfig },
            },
        };
        var refused = await Fails(() => sw.Chains().CreateAsync(Request("""{ "limit": 0, "extra": true }""")).ResponseAsync);
        Assert.That(refused.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(refused.Status.Detail, Does.Contain("$.nfs.count.config.limit: must be >= 1 (schema: minimum)")
                                              .And.Contain("$.nfs.count.config.extra: unknown key 'extra' (schema: additionalProperties)"));
        Assert.That(await Snapshot(sw), Is.EqualTo(before), "no chain, no instance, not even the valid ttl2");
        Assert.That(Function(sw, "count"), Is.Null);
        Assert.That(Function(sw, "ttl2"), Is.Null);

        var created = await sw.Chains().CreateAsync(Request("""{ "limit": 2 }"""));
        Assert.That(created.Chain.Through, Is.EqualTo(new[] { "ttl2", "count" }));
        Assert.That(Function(sw, "count"), Is.Not.Null);
    }

    [Test]
    public async Task Replace_checks_the_config_the_new_instance_would_get_and_leaves_the_running_one_on_refusal()
    {
        await using var sw = await SwitchUnderTest.StartAsync();
        var v1 = WriteWithSchema(sw.Directory, "counter-1", "1.0.0", SchemaV1);
        var v2 = WriteWithSchema(sw.Directory, "counter-2", "2.0.0", SchemaV2);
        var plugins = sw.Plugins();
        await plugins.LoadAsync(new LoadPluginRequest { Package = new PackageSource { Path = v1 } });
        await sw.Chains().InsertNfAsync(new InsertNfRequest
        {
            Chain = "main", Position = 1, NewInstance = new NfInstanceSpec { Name = "count", Type = "counter", ConfigJson = """{ "limit": 2 }""" },
        });
        var before = await Snapshot(sw);
        var running = Function(sw, "count");

        // Same type, a new config the schema refuses.
        var badConfig = await Fails(() => plugins.ReplaceAsync(new ReplaceNfRequest { Instance = "count", NfType = "counter", ConfigJson = """{ "limit": "many" }""" }).ResponseAsync);
        Assert.That(badConfig.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(badConfig.Status.Detail, Does.Contain("$.nfs.count.config.limit: must be an integer, not a string (schema: type)").And.Contain("nothing was changed"));
        Assert.That(await Snapshot(sw), Is.EqualTo(before));
        Assert.That(Function(sw, "count"), Is.SameAs(running), "the running instance was not swapped");

        // A new version whose schema the running config does not meet: refused, and the new generation unloaded.
        var stricter = await Fails(() => plugins.ReplaceAsync(new ReplaceNfRequest { Instance = "count", Package = new PackageSource { Path = v2 } }).ResponseAsync);
        Assert.That(stricter.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(stricter.Status.Detail, Does.Contain("$.nfs.count.config.mode: is required but missing (schema: required)").And.Contain("acme.counter 2.0.0"));
        Assert.That(await Snapshot(sw), Is.EqualTo(before), "still v1 only, same chain and config");
        Assert.That(Function(sw, "count"), Is.SameAs(running));

        var replaced = await plugins.ReplaceAsync(new ReplaceNfRequest
        {
            Instance = "count", Package = new PackageSource { Path = v2 }, ConfigJson = """{ "limit": 2, "mode": "safe" }""",
        });
        Assert.That(replaced.NewType, Is.EqualTo("counter"));
        Assert.That((await plugins.ListAsync(new ListPluginsRequest())).Plugins.Where(p => p.Id == "acme.counter").Select(p => p.Version),
            Is.EqualTo(new[] { "2.0.0" }));
        Assert.That(Function(sw, "count"), Is.Not.SameAs(running));
    }

    [Test]
    public async Task A_built_in_nfs_schema_applies_on_insert_and_replace()
    {
        await using var sw = await SwitchUnderTest.StartAsync();
        var before = await Snapshot(sw);
        var running = Function(sw, "mon");

        var insert = await Fails(() => sw.Chains().InsertNfAsync(new InsertNfRequest
        {
            Chain = "main", Position = 0, NewInstance = new NfInstanceSpec { Name = "fw", Type = "firewall", ConfigJson = """{ "default": "reject" }""" },
        }).ResponseAsync);
        Assert.That(insert.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(insert.Status.Detail, Does.Contain("$.nfs.fw.config.default: must be one of \"accept\", \"drop\" (schema: enum)")
                                             .And.Contain("switchboard.firewall 1.0.0 (built in)"));

        var replace = await Fails(() => sw.Plugins().ReplaceAsync(new ReplaceNfRequest { Instance = "mon", NfType = "monitor", ConfigJson = """{ "top": 0 }""" }).ResponseAsync);
        Assert.That(replace.Status.Detail, Does.Contain("$.nfs.mon.config.top: must be >= 1 (schema: minimum)"));
        Assert.That(await Snapshot(sw), Is.EqualTo(before));
        Assert.That(Function(sw, "mon"), Is.SameAs(running));
    }

    [Test]
    public async Task Ctl_nfs_lists_a_loaded_plugins_type_with_its_plugin()
    {
        await using var sw = await SwitchUnderTest.StartAsync();
        var v1 = WriteWithSchema(sw.Directory, "counter-1", "1.0.0", SchemaV1);
        await sw.Plugins().LoadAsync(new LoadPluginRequest { Package = new PackageSource { Path = v1 } });

        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand { CtlCommand.Create(output, error) };
        int code = await root.Parse(["ctl", "nfs", "--token-file", sw.Server.TokenFilePath])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        Assert.That(code, Is.Zero, error.ToString());
        Assert.That(output.ToString(), Does.Match(@"\n\s+counter\s+acme\.counter\s+1\.0\.0\s+yes\s+counts"), "type, plugin, version, schema checked, description");
    }
}
