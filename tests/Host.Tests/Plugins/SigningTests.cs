using System.IO.Compression;
using Switchboard.Host.Cli;
using Switchboard.Host.Plugins;
using Switchboard.Host.Plugins.Signing;
using Switchboard.Host.Tests.Config;

namespace Switchboard.Host.Tests.Plugins;

/// <summary>Vendor signatures: ECDSA P-256 over every file; the trust store decides whom the host believes.</summary>
public class SigningTests
{
    private sealed class Keys : IDisposable
    {
        public readonly TempDir Dir = new();
        public readonly string Private, Public, KeyId;
        public Keys(string name = "acme")
        {
            (Private, Public, KeyId) = SigningKeys.Generate(Path.Combine(Dir.Path, "keys"), name);
            Directory.CreateDirectory(TrustDir);
        }
        public string TrustDir => Path.Combine(Dir.Path, "trust");
        public void Trust() => File.Copy(Public, Path.Combine(TrustDir, Path.GetFileName(Public)));
        public void Dispose() => Dir.Dispose();
    }

    private static string Sign(string package, string key)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        Assert.That(PluginCommand.Sign(package, key, output, errors), Is.Zero, errors.ToString());
        return output.ToString();
    }

    private static PluginCatalog Requiring(Keys keys) =>
        new(new PluginHostOptions { Trust = TrustStore.Load(keys.TrustDir), RequireSignatures = true });

    [Test]
    public void A_package_signed_by_a_trusted_key_loads_where_signatures_are_required()
    {
        using var keys = new Keys();
        keys.Trust();
        using var dir = new TempDir();
        var pkg = PluginFixtures.Vendor(dir);
        Assert.That(Sign(pkg, keys.Private), Does.Contain(keys.KeyId));

        var catalog = Requiring(keys);
        var plugin = catalog.Load(pkg);
        Assert.That(plugin.Signature.State, Is.EqualTo(SignatureState.Trusted));
        Assert.That(catalog.List().Single().Signature.KeyId, Is.EqualTo(keys.KeyId));
        Assert.That(catalog.Unload(plugin).Collected, Is.True);
    }

    [Test]
    public void An_unsigned_package_is_refused_where_signatures_are_required()
    {
        using var keys = new Keys();
        keys.Trust();
        using var dir = new TempDir();
        var pkg = PluginFixtures.Vendor(dir);
        var e = Assert.Throws<PluginRefusedException>(() => Requiring(keys).Load(pkg))!;
        Assert.That(e.Stage, Is.EqualTo(RefusalStage.Signature));
        Assert.That(e.Message, Does.Contain("unsigned, and this host requires plugins signed by a trusted key"));
    }

    [Test]
    public void A_package_signed_by_an_untrusted_key_is_refused_where_required_and_flagged_otherwise()
    {
        using var trusted = new Keys("trusted");
        trusted.Trust();
        using var stranger = new Keys("stranger");
        using var dir = new TempDir();
        var pkg = PluginFixtures.Vendor(dir);
        Sign(pkg, stranger.Private);

        var e = Assert.Throws<PluginRefusedException>(() => Requiring(trusted).Load(pkg))!;
        Assert.That(e.Stage, Is.EqualTo(RefusalStage.Signature));
        Assert.That(e.Message, Does.Contain($"signed by {stranger.KeyId}, a key not in the trust store"));

        var lenient = new PluginCatalog(new PluginHostOptions { Trust = TrustStore.Load(trusted.TrustDir) });
        var plugin = lenient.Load(pkg);
        Assert.That(plugin.Signature.State, Is.EqualTo(SignatureState.Untrusted));
        lenient.Unload(plugin);
    }

    [TestCase("counter.vmn", "'counter.vmn' was modified")]
    [TestCase("Acme.Counter.dll", "'Acme.Counter.dll' was modified")]
    [TestCase("plugin.json", "'plugin.json' was modified")]
    public void A_file_changed_after_signing_is_refused_even_without_required_signatures(string file, string expected)
    {
        using var keys = new Keys();
        keys.Trust();
        using var dir = new TempDir();
        var pkg = PluginFixtures.Vendor(dir);
        Sign(pkg, keys.Private);
        var path = Path.Combine(pkg, file);
        if (file == "Acme.Counter.dll")
            File.WriteAllBytes(path, PluginFixtures.Compile(PluginFixtures.CounterSource.Replace("_seen++", "_seen += 2"), "Acme.Counter"));
        else if (file == "plugin.json")
            File.WriteAllText(path, File.ReadAllText(path).Replace("test plugin", "trust me"));
        else File.AppendAllText(path, "// changed\n");

        foreach (var catalog in new[] { new PluginCatalog(), Requiring(keys) })
        {
            var e = Assert.Throws<PluginRefusedException>(() => catalog.Load(pkg))!;
            Assert.That(e.Stage, Is.EqualTo(RefusalStage.Signature));
            Assert.That(e.Message, Does.Contain($"signature by {keys.KeyId} does not match the package: {expected} after signing"));
        }
    }

    [Test]
    public void An_added_file_is_refused_as_stray_before_the_signature_is_checked()
    {
        using var keys = new Keys();
        using var dir = new TempDir();
        var pkg = PluginFixtures.Vendor(dir);
        Sign(pkg, keys.Private);
        File.WriteAllText(Path.Combine(pkg, "extra.vmn"), "class X {}");
        Assert.That(Assert.Throws<PluginRefusedException>(() => new PluginCatalog().Load(pkg))!.Stage, Is.EqualTo(RefusalStage.Package));
    }

    [Test]
    public void A_signed_zip_loads_and_inspect_reports_its_signature()
    {
        using var keys = new Keys();
        keys.Trust();
        using var dir = new TempDir();
        var zip = PluginFixtures.Zip(PluginFixtures.Vendor(dir), Path.Combine(dir.Path, "acme.zip"));
        Sign(zip, keys.Private);
        using (var archive = ZipFile.OpenRead(zip))
            Assert.That(archive.GetEntry("signature.json"), Is.Not.Null);

        var output = new StringWriter();
        var errors = new StringWriter();
        Assert.That(PluginCommand.Inspect(zip, keys.TrustDir, requireSignatures: true, output, errors), Is.Zero, errors.ToString());
        Assert.That(output.ToString(), Does.Contain($"signed by trusted key {keys.KeyId}").And.Contain("verdict: accepted").And.Contain("Acme.Counter.dll: OK"));

        var catalog = Requiring(keys);
        catalog.Unload(catalog.Load(zip));
    }

    [Test]
    public void Inspect_exits_non_zero_when_the_host_would_refuse()
    {
        using var keys = new Keys();
        using var dir = new TempDir();
        var pkg = PluginFixtures.Vendor(dir);
        var errors = new StringWriter();
        Assert.That(PluginCommand.Inspect(pkg, keys.TrustDir, requireSignatures: true, new StringWriter(), errors), Is.EqualTo(2));
        Assert.That(errors.ToString(), Does.Contain("verdict: refused"));

        File.WriteAllText(Path.Combine(pkg, "stray.txt"), "x");
        errors = new StringWriter();
        Assert.That(PluginCommand.Inspect(pkg, null, false, new StringWriter(), errors), Is.EqualTo(2));
        Assert.That(errors.ToString(), Does.Contain("'stray.txt' is not listed"));
    }

    [Test]
    public void Keygen_writes_a_key_pair_and_never_overwrites()
    {
        using var dir = new TempDir();
        var output = new StringWriter();
        Assert.That(PluginCommand.Keygen(dir.Path, "vendor", output, new StringWriter()), Is.Zero);
        using var key = SigningKeys.Read(Path.Combine(dir.Path, "vendor.private.pem"));
        using var pub = SigningKeys.Read(Path.Combine(dir.Path, "vendor.public.pem"));
        Assert.That(SigningKeys.KeyId(key), Is.EqualTo(SigningKeys.KeyId(pub)));
        Assert.That(output.ToString(), Does.Contain(SigningKeys.KeyId(pub)));
        if (!OperatingSystem.IsWindows())
            Assert.That(File.GetUnixFileMode(Path.Combine(dir.Path, "vendor.private.pem")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        var errors = new StringWriter();
        Assert.That(PluginCommand.Keygen(dir.Path, "vendor", new StringWriter(), errors), Is.EqualTo(1));
        Assert.That(errors.ToString(), Does.Contain("already exists"));
    }
}
