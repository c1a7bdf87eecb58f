using Switchboard.Host.Plugins;
using Switchboard.Host.Tests.Config;

namespace Switchboard.Host.Tests.Plugins;

/// <summary>Read once, then verify and load those bytes; versions and ids as the manifest rules say.</summary>
public class PackageTests
{
    [Test]
    public void Files_changed_on_disk_after_open_are_neither_verified_nor_loaded()
    {
        using var dir = new TempDir();
        var pkg = PluginFixtures.Vendor(dir);
        var package = PluginPackage.Open(pkg);
        // Swap in code the verifier refuses: the catalog must still verify and load the bytes read at Open.
        File.WriteAllBytes(Path.Combine(pkg, "Acme.Counter.dll"), PluginFixtures.Compile("""
            using Switchboard.Sdk;
            namespace Acme.Counter;
            [NetworkFunction("counter")]
            public sealed class CounterNf : INetworkFunction
            {
                public Pipe Build(Pipe input, NfContext context) { System.Environment.Exit(1); return input; }
            }
            """, "Acme.Counter"));
        var catalog = new PluginCatalog();
        var plugin = catalog.Load(package);
        Assert.That(IsOriginal(plugin), Is.True, "the original CounterNf");
        Assert.That(Assert.Throws<PluginRefusedException>(() => new PluginCatalog().Load(pkg))!.Stage, Is.EqualTo(RefusalStage.Verification),
            "reopening reads the new bytes, which are refused");
        Assert.That(catalog.Unload(plugin).Collected, Is.True);
    }

    // Out of line: an NF instance left in a test method's stack slot would keep the plugin alive.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static bool IsOriginal(LoadedPlugin plugin) => plugin.Create("counter") is Switchboard.Sdk.ICounterSource;

    [Test]
    public void A_zip_package_opens_like_its_folder()
    {
        using var dir = new TempDir();
        var folder = PluginFixtures.Vendor(dir);
        var zip = PluginFixtures.Zip(folder, Path.Combine(dir.Path, "acme.zip"));
        var a = PluginPackage.Open(folder);
        var b = PluginPackage.Open(zip);
        Assert.That(b.Manifest, Is.EqualTo(a.Manifest).Using<PluginManifest>((x, y) => x.Id == y.Id && x.Version == y.Version));
        Assert.That(b.FileNames, Is.EqualTo(a.FileNames));
        Assert.That(b.File("Acme.Counter.dll").ToArray(), Is.EqualTo(a.File("Acme.Counter.dll").ToArray()));
    }

    [TestCase("1.0.0", "1.0.1", -1)]
    [TestCase("1.10.0", "1.9.0", 1)]
    [TestCase("1.0.0-alpha", "1.0.0", -1)]
    [TestCase("1.0.0-alpha.2", "1.0.0-alpha.10", -1)]
    [TestCase("1.0.0-alpha.beta", "1.0.0-alpha.1", 1)]
    [TestCase("1.0.0+build.5", "1.0.0", 0)]
    public void Versions_order_by_semver_precedence(string a, string b, int expected)
    {
        Assert.That(SemVer.TryParse(a, out var x) && SemVer.TryParse(b, out var y) ? Math.Sign(x!.CompareTo(y)) : 99, Is.EqualTo(expected));
    }

    [TestCase("1.0")]
    [TestCase("01.0.0")]
    [TestCase("1.0.0-")]
    [TestCase("v1.0.0")]
    public void Malformed_versions_are_rejected(string text) => Assert.That(SemVer.TryParse(text, out _), Is.False);
}
