using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Switchboard.Host.Plugins;
using Switchboard.Sdk;

namespace Switchboard.Host.Tests.Plugins;

/// <summary>
/// The first-party plugins as packages (assembled by build/Switchboard.Plugin.targets): each opens, verifies,
/// loads into its own collectible context, runs a packet through its graph, and is collected after unload.
/// </summary>
public class FirstPartyPackageTests
{
    [TestCase("Ttl", "switchboard.ttl", "ttl")]
    [TestCase("Monitor", "switchboard.monitor", "monitor")]
    [TestCase("Nat", "switchboard.nat", "nat")]
    [TestCase("Maglev", "switchboard.maglev", "maglev")]
    [TestCase("Lpm", "switchboard.lpm", "lpm")]
    [TestCase("Ips", "switchboard.ips", "ips")]
    [TestCase("Firewall", "switchboard.firewall", "firewall")]
    public void Package_opens_with_its_manifest_model_and_nf(string name, string id, string type)
    {
        var package = PluginPackage.Open(PluginFixtures.FirstParty(name));
        Assert.That(package.Manifest.Id, Is.EqualTo(id));
        Assert.That(package.Manifest.Nfs.Select(n => n.Type), Is.EqualTo(new[] { type }));
        Assert.That(package.FileNames, Is.EquivalentTo(new[] { "plugin.json", package.Manifest.Model, $"Switchboard.Plugins.{name}.dll" }));
        Assert.That(package.Signature, Is.Null);
    }

    private static readonly byte[] Frame = MakeFrame();

    private static byte[] MakeFrame()
    {
        var buf = new byte[256];
        int n = FrameBuilder.Ipv4Tcp(buf, Ipv4.Address("10.0.0.1"), Ipv4.Address("192.168.1.1"), 40000, 80, 1, 0, Tcp.Syn, "hello"u8, 0, 64);
        return buf[..n];
    }

    private static string ConfigFor(string type) => type switch
    {
        "nat" => """{"insideNets": ["10.0.0.0/8"], "snat": {"addresses": ["203.0.113.1"]}}""",
        "maglev" => """{"mode": "dsr", "backends": {"web1": {"mac": "02:00:00:00:01:01"}}}""",
        "lpm" => """{"routes": [{"prefix": "192.168.0.0/16", "nextHop": 1}]}""",
        "firewall" => """{"default": "drop", "rules": ["accept tcp from 10.0.0.0/8 to 192.168.0.0/16 port 80"]}""",
        "ips" => """{"rules": ["drop tcp any any -> any 80 (msg:\"shell\"; content:\"/bin/sh\"; sid:1;)"]}""",
        _ => "{}",
    };

    [TestCase("Ttl", "ttl")]
    [TestCase("Monitor", "monitor")]
    [TestCase("Nat", "nat")]
    [TestCase("Maglev", "maglev")]
    [TestCase("Lpm", "lpm")]
    [TestCase("Ips", "ips")]
    [TestCase("Firewall", "firewall")]
    public void Loads_runs_a_packet_and_is_collected_after_unload(string name, string type)
    {
        var catalog = new PluginCatalog();
        int inUse = PluginGraph.InUse;
        var (plugin, output) = LoadAndRun(catalog, name, type);

        Assert.That(output, Has.Count.EqualTo(1), "the packet went through the NF");
        var frame = output[0];
        switch (type)
        {
            case "ttl": Assert.That(frame[22], Is.EqualTo(63), "TTL decremented"); break;
            case "nat": Assert.That(frame[26..30], Is.EqualTo(new byte[] { 203, 0, 113, 1 }), "source translated"); break;
            case "maglev": Assert.That(frame[0..6], Is.EqualTo(new byte[] { 2, 0, 0, 0, 1, 1 }), "sent to the backend's MAC"); break;
            default: Assert.That(frame, Is.EqualTo(Frame), "forwarded unchanged"); break;
        }
        Assert.That(PluginGraph.InUse, Is.EqualTo(inUse), "every buffer returned");
        Assert.That(catalog.List().Single().Active, Is.True);

        var result = catalog.Unload(plugin);
        Assert.That(result.Collected, Is.True, result.Alarm);
        Assert.That(catalog.List(), Is.Empty);
        Assert.That(plugin.IsLoaded, Is.False);
    }

    // Out of line: nothing from the plugin (instance, graph, types) may stay on the test's stack.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (LoadedPlugin, List<byte[]>) LoadAndRun(PluginCatalog catalog, string name, string type)
    {
        var plugin = catalog.Load(PluginFixtures.FirstParty(name));
        var nf = plugin.Create(type);
        var context = AssemblyLoadContext.GetLoadContext(nf.GetType().Assembly);
        Assert.That(context, Is.Not.SameAs(AssemblyLoadContext.Default));
        Assert.That(context!.IsCollectible, Is.True);
        Assert.That(AssemblyLoadContext.GetLoadContext(typeof(INetworkFunction).Assembly), Is.SameAs(AssemblyLoadContext.Default), "the Sdk is the host's");
        var graph = new PluginGraph(nf, ConfigFor(type));
        graph.Push(Frame);
        return (plugin, graph.Output.ToList());
    }
}
