using System.IO.Compression;
using Switchboard.Host.Plugins;
using Switchboard.Host.Tests.Config;

namespace Switchboard.Host.Tests.Plugins;

/// <summary>Packages the host must refuse, each with a reason naming the package and where.</summary>
public class HostilePackageTests
{
    private static PluginRefusedException Refused(string path, RefusalStage stage, PluginCatalog? catalog = null)
    {
        var e = Assert.Throws<PluginRefusedException>(() => (catalog ?? new PluginCatalog()).Load(path))!;
        Assert.That(e.Stage, Is.EqualTo(stage), e.Message);
        Assert.That(e.Package, Is.EqualTo(path));
        return e;
    }

    [Test]
    public void A_stray_dll_is_refused()
    {
        using var dir = new TempDir();
        var pkg = PluginFixtures.Vendor(dir);
        File.WriteAllBytes(Path.Combine(pkg, "Helper.dll"), PluginFixtures.Compile("public static class H { }", "Helper"));
        var e = Refused(pkg, RefusalStage.Package);
        Assert.That(e.Problems.Single().ToString(), Does.Contain(Path.Combine(pkg, "Helper.dll")).And.Contain("'Helper.dll' is not listed in plugin.json"));
    }

    [TestCase("libevil.so")]
    [TestCase("Acme.Counter.deps.json")]
    [TestCase("run.exe")]
    public void An_unlisted_native_library_or_deps_file_is_refused(string name)
    {
        using var dir = new TempDir();
        var pkg = PluginFixtures.Vendor(dir);
        File.WriteAllBytes(Path.Combine(pkg, name), [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0]);
        Assert.That(Refused(pkg, RefusalStage.Package).Message, Does.Contain($"'{name}' is not listed in plugin.json"));
    }

    [Test]
    public void A_native_image_listed_as_an_assembly_is_refused()
    {
        using var dir = new TempDir();
        var pkg = PluginFixtures.Vendor(dir);
        File.WriteAllBytes(Path.Combine(pkg, "Acme.Counter.dll"), [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, .. new byte[120]]);
        var e = Refused(pkg, RefusalStage.Package);
        Assert.That(e.Problems.Single().Where, Does.Contain("plugin.json:").And.Contain("$.assemblies[0]"));
        Assert.That(e.Problems.Single().Message, Does.Contain("native"));
    }

    [Test]
    public void A_mixed_mode_image_is_refused()
    {
        using var dir = new TempDir();
        var pkg = PluginFixtures.Vendor(dir);
        var dll = Path.Combine(pkg, "Acme.Counter.dll");
        var bytes = File.ReadAllBytes(dll);
        using (var pe = new System.Reflection.PortableExecutable.PEReader(new MemoryStream(bytes)))
        {
            int flags = pe.PEHeaders.CorHeaderStartOffset + 16; // cb, runtime version, metadata directory, then Flags
            bytes[flags] &= 0xFE; // clear COMIMAGE_FLAGS_ILONLY
        }
        File.WriteAllBytes(dll, bytes);
        Assert.That(Refused(pkg, RefusalStage.Package).Message, Does.Contain("mixed-mode"));
    }

    [Test]
    public void A_verifier_violation_is_refused_naming_type_method_and_rule()
    {
        using var dir = new TempDir();
        var pkg = PluginFixtures.Vendor(dir, source: """
            using Switchboard.Sdk;
            namespace Acme.Counter;
            [NetworkFunction("counter")]
            public sealed class CounterNf : INetworkFunction
            {
                public Pipe Build(Pipe input, NfContext context) => input.Filter(p => Forge(p.Length) != null);
                private static string Forge(int n) => System.Runtime.CompilerServices.Unsafe.As<string>(new object());
            }
            """);
        var catalog = new PluginCatalog();
        var e = Refused(pkg, RefusalStage.Verification, catalog);
        Assert.That(e.Problems, Has.Some.Matches<PluginProblem>(p => p!.Where.Contains("Acme.Counter.dll")
            && p.Message.Contains("Acme.Counter.CounterNf::Forge") && p.Message.Contains("[unsafe-api]")));
        Assert.That(catalog.List(), Is.Empty, "nothing stays loaded");
    }

    [Test]
    public void A_missing_model_is_refused_at_its_manifest_line()
    {
        using var dir = new TempDir();
        var pkg = PluginFixtures.Vendor(dir);
        File.Delete(Path.Combine(pkg, "counter.vmn"));
        var e = Refused(pkg, RefusalStage.Package);
        Assert.That(e.Problems.Single().ToString(), Does.Match(@"plugin\.json:\d+:\d+: \$\.model: the model 'counter\.vmn' is not in the package"));
    }

    [Test]
    public void Manifest_errors_are_all_reported_with_path_and_line_column()
    {
        using var dir = new TempDir();
        var pkg = PluginFixtures.Vendor(dir);
        File.WriteAllText(Path.Combine(pkg, "plugin.json"), """
            {
              "id": "Acme Counter",
              "version": "1.0",
              "vendor": "Acme",
              "nfs": [ { "type": "counter", "entryTyp": "Acme.Counter.CounterNf" } ],
              "assemblies": [ "../Acme.Counter.dll" ],
              "model": "counter.vmn"
            }
            """);
        var e = Refused(pkg, RefusalStage.Manifest);
        var lines = e.Problems.Select(p => p.ToString()).ToList();
        string manifest = Path.Combine(pkg, "plugin.json");
        Assert.That(lines, Has.Some.StartsWith($"{manifest}:2:3: $.id: 'Acme Counter' is not a valid plugin id"));
        Assert.That(lines, Has.Some.StartsWith($"{manifest}:3:3: $.version: '1.0' is not a semantic version"));
        Assert.That(lines, Has.Some.StartsWith($"{manifest}:5:33: $.nfs[0].entryTyp: unknown key 'entryTyp' (did you mean 'entryType'?)"));
        Assert.That(lines, Has.Some.StartsWith($"{manifest}:5:12: $.nfs[0].entryType: required key is missing"));
        Assert.That(lines, Has.Some.StartsWith($"{manifest}:6:19: $.assemblies[0]: '../Acme.Counter.dll' is not a plain file name"));
    }

    [Test]
    public void Malformed_json_is_refused_with_its_position()
    {
        using var dir = new TempDir();
        var pkg = PluginFixtures.Vendor(dir);
        File.WriteAllText(Path.Combine(pkg, "plugin.json"), "{\n  \"id\": \"acme.counter\",\n  \"version\": 1.0.0\n}");
        var e = Refused(pkg, RefusalStage.Manifest);
        Assert.That(e.Problems.Single().Where, Does.StartWith(Path.Combine(pkg, "plugin.json") + ":3:"));
        Assert.That(e.Problems.Single().Message, Does.Contain("malformed JSON"));
    }

    [Test]
    public void An_nf_type_that_does_not_match_the_attribute_is_refused()
    {
        using var dir = new TempDir();
        var pkg = PluginFixtures.Vendor(dir, nfType: "count");
        var e = Refused(pkg, RefusalStage.Manifest);
        Assert.That(e.Problems.Single().ToString(), Does.Contain("$.nfs[0].type").And.Contain("[NetworkFunction(\"counter\")], but plugin.json names it 'count'"));
    }

    [Test]
    public void An_entry_type_the_assembly_does_not_define_is_refused()
    {
        using var dir = new TempDir();
        var pkg = PluginFixtures.Vendor(dir, entryType: "Acme.Counter.Missing");
        var e = Refused(pkg, RefusalStage.Manifest);
        Assert.That(e.Message, Does.Contain("$.nfs[0].entryType").And.Contain("no class 'Acme.Counter.Missing'"));
    }

    [Test]
    public void A_reserved_assembly_name_is_refused()
    {
        using var dir = new TempDir();
        var pkg = PluginFixtures.Vendor(dir, assemblyName: "System.Counter", entryType: "Acme.Counter.CounterNf");
        Assert.That(Refused(pkg, RefusalStage.Package).Message, Does.Contain("assembly name 'System.Counter' is reserved"));
    }

    [TestCase("../evil.dll")]
    [TestCase("/etc/evil.dll")]
    [TestCase("sub/../../evil.dll")]
    [TestCase("..\\evil.dll")]
    public void A_zip_entry_escaping_the_package_is_refused(string entry)
    {
        using var dir = new TempDir();
        var zip = PluginFixtures.Zip(PluginFixtures.Vendor(dir), Path.Combine(dir.Path, "acme.zip"));
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Update))
        using (var s = archive.CreateEntry(entry).Open()) s.Write([1, 2, 3]);
        var e = Refused(zip, RefusalStage.Package);
        Assert.That(e.Problems.Single().ToString(), Is.EqualTo($"{zip}!{entry}: entry path escapes the package (absolute path or '..'): refused"));
    }

    [Test]
    public void A_sub_folder_is_refused()
    {
        using var dir = new TempDir();
        var pkg = PluginFixtures.Vendor(dir);
        Directory.CreateDirectory(Path.Combine(pkg, "runtimes"));
        Assert.That(Refused(pkg, RefusalStage.Package).Message, Does.Contain("sub-folders are not allowed"));
    }

    [Test]
    public void An_oversize_package_is_refused()
    {
        using var dir = new TempDir();
        var pkg = PluginFixtures.Vendor(dir);
        var catalog = new PluginCatalog(new PluginHostOptions { Limits = new PackageLimits { MaxTotalBytes = 2048 } });
        Assert.That(Refused(pkg, RefusalStage.Package, catalog).Message, Does.Contain("exceeds 2,048 bytes"));
        var zip = PluginFixtures.Zip(pkg, Path.Combine(dir.Path, "big.zip"));
        Assert.That(Refused(zip, RefusalStage.Package, catalog).Message, Does.Contain("exceeds 2,048 bytes"));
    }

    [Test]
    public void A_missing_package_is_refused()
    {
        using var dir = new TempDir();
        Assert.That(Refused(Path.Combine(dir.Path, "nope"), RefusalStage.Package).Message, Does.Contain("no such package"));
    }
}
