using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Switchboard.Host.Plugins;
using Switchboard.Host.Runtime;
using Switchboard.Host.Tests.Config;
using Switchboard.Sdk;

namespace Switchboard.Host.Tests.Plugins;

/// <summary>Generations side by side, activation, NF type clashes, the registry view, and the leak alarm.</summary>
public class CatalogTests
{
    private static string ContextName(INetworkFunction nf) => AssemblyLoadContext.GetLoadContext(nf.GetType().Assembly)!.Name!;

    [Test]
    public void Two_versions_load_side_by_side_and_the_active_one_serves_create()
    {
        using var dir = new TempDir();
        var catalog = new PluginCatalog();
        var v1 = catalog.Load(PluginFixtures.Vendor(dir, "v1", version: "1.0.0"));
        var v2 = catalog.Load(PluginFixtures.Vendor(dir, "v2", version: "1.1.0"));
        Assert.That((v1.Generation, v2.Generation), Is.EqualTo((1, 2)));
        Assert.That(catalog.List().Select(p => (p.DisplayName, p.Active)),
            Is.EqualTo(new[] { ("acme.counter 1.0.0 #1", true), ("acme.counter 1.1.0 #2", false) }));
        Assert.That(CreatedBy(catalog), Does.Contain("1.0.0 #1"));

        catalog.Activate(v2);
        Assert.That(CreatedBy(catalog), Does.Contain("1.1.0 #2"));
        Assert.That(catalog.Unload(v1).Collected, Is.True);
        Assert.That(catalog.Active("acme.counter"), Is.SameAs(v2));
        Assert.That(catalog.Unload(v2).Collected, Is.True);
        Assert.That(catalog.Active("acme.counter"), Is.Null);
        Assert.That(catalog.NfTypes, Is.Empty);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static string CreatedBy(PluginCatalog catalog) => ContextName(catalog.Create("counter"));

    [Test]
    public void Another_plugin_may_not_provide_an_nf_type_already_loaded()
    {
        using var dir = new TempDir();
        var catalog = new PluginCatalog();
        var first = catalog.Load(PluginFixtures.Vendor(dir, "a"));
        var e = Assert.Throws<PluginRefusedException>(() => catalog.Load(PluginFixtures.Vendor(dir, "b", id: "other.counter")))!;
        Assert.That(e.Stage, Is.EqualTo(RefusalStage.Load));
        Assert.That(e.Message, Does.Contain("NF type 'counter' is already provided by plugin acme.counter 1.0.0 #1"));
        Assert.That(catalog.List(), Has.Count.EqualTo(1));
        Assert.That(catalog.Unload(first).Collected, Is.True, "a refused load leaves the loaded plugin collectable");
    }

    [Test]
    public void The_registry_resolves_active_plugin_types_next_to_the_built_in_ones()
    {
        using var dir = new TempDir();
        var catalog = new PluginCatalog();
        var registry = NfRegistry.BuiltIn();
        registry.AddPlugins(catalog);
        Assert.That(registry.Names, Does.Not.Contain("counter"));

        var plugin = catalog.Load(PluginFixtures.Vendor(dir));
        Assert.That(registry.Names, Does.Contain("counter").And.Contain("ttl"));
        Assert.That(RegistryView(registry), Is.EqualTo("plugin acme.counter 1.0.0 #1 / plugin:acme.counter 1.0.0 #1"));

        Assert.That(catalog.Unload(plugin).Collected, Is.True);
        Assert.That(registry.Names, Does.Not.Contain("counter"));
        Assert.Throws<KeyNotFoundException>(() => registry.Create("counter"));
        Assert.Throws<ObjectDisposedException>(() => plugin.Create("counter"));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static string RegistryView(NfRegistry registry) =>
        registry.Types.Single(t => t.Name == "counter").Assembly + " / " + ContextName(registry.Create("counter"));

    [Test]
    public void Unloading_while_an_instance_is_still_held_raises_an_alarm_naming_the_plugin()
    {
        using var dir = new TempDir();
        var catalog = new PluginCatalog();
        var alarms = new List<PluginAlarm>();
        catalog.Alarm += alarms.Add;
        var plugin = catalog.Load(PluginFixtures.Vendor(dir));
        var held = plugin.Create("counter");

        var result = catalog.Unload(plugin, TimeSpan.FromMilliseconds(200));
        Assert.That(result.Collected, Is.False);
        Assert.That(result.Alarm, Does.Contain("plugin acme.counter 1.0.0 #1 was unloaded but is still alive"));
        Assert.That(alarms.Single().Plugin.Id, Is.EqualTo("acme.counter"));
        GC.KeepAlive(held);
    }
}
