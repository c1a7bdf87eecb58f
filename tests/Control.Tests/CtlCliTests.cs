using System.CommandLine;
using System.Text.Json;
using Switchboard.Control.Tests.Support;
using Switchboard.Host.Cli;

namespace Switchboard.Control.Tests;

/// <summary>`switchboard ctl` end to end: its command handlers, in process, against a running switch.</summary>
public class CtlCliTests
{
    private SwitchUnderTest _switch = null!;

    [OneTimeSetUp]
    public async Task Start() => _switch = await SwitchUnderTest.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await _switch.DisposeAsync();

    private sealed record Result(int Code, string Out, string Err);

    /// <summary>Run `switchboard ctl ARGS` with the switch's token file; the address comes from the file beside it.</summary>
    private async Task<Result> Ctl(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand { CtlCommand.Create(output, error) };
        int code = await root.Parse(["ctl", .. args, "--token-file", _switch.Server.TokenFilePath])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return new Result(code, output.ToString(), error.ToString());
    }

    [Test]
    public async Task StatusFindsTheSwitchThroughTheFilesItWrote()
    {
        var r = await Ctl("status");
        Assert.That(r.Code, Is.Zero, r.Err);
        Assert.That(r.Out, Does.Contain($"at {_switch.Server.Address.ToString().TrimEnd('/')}"));
        Assert.That(r.Out, Does.Contain("1 core(s)").And.Contain("1 chain(s), 2 NF instance(s), 2 port(s)"));
        Assert.That(r.Out, Does.Match(@"gen\s+generator"));
    }

    [Test]
    public async Task NfsChainsAndPluginsPrintTables()
    {
        var nfs = await Ctl("nfs");
        Assert.That(nfs.Code, Is.Zero, nfs.Err);
        Assert.That(nfs.Out, Does.Match(@"\n\s+ttl\s+ttl\s+main\s+0\s+\{\}"));
        Assert.That(nfs.Out, Does.Match(@"\n\s+nat\s+Switchboard\.Plugins\.Nat\s+"));
        var chains = await Ctl("chains");
        Assert.That(chains.Out, Does.Contain("main   gen -> ttl -> mon -> sink"));
        var plugins = await Ctl("plugins");
        Assert.That(plugins.Out, Does.Match(@"Switchboard\.Plugins\.Ttl\s+[\d.]+\s+built-in\s+verified"));
    }

    [Test]
    public async Task CountersPrintTheRunReportsTablesAndWatchRepeats()
    {
        var once = await Ctl("counters");
        Assert.That(once.Code, Is.Zero, once.Err);
        Assert.That(once.Out, Does.Match(@"\n\s+mon\s+monitor\s+[\d,]+\s+[\d,]+\s+0\s+0\s+[\d.]+\s+.*flows=50"));
        Assert.That(once.Out, Does.Match(@"\n\s+gen\s+generator\s+[\d,]+"));
        var watch = await Ctl("counters", "--watch", "--interval", "100", "--count", "2");
        Assert.That(watch.Code, Is.Zero, watch.Err);
        Assert.That(watch.Out.Split("Counters at").Length - 1, Is.EqualTo(2));
        var jsonLines = await Ctl("counters", "--watch", "--interval", "100", "--count", "2", "--json");
        var lines = jsonLines.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(2), "one JSON object per snapshot");
        long first = In(lines[0]), second = In(lines[1]);
        Assert.That(second, Is.GreaterThanOrEqualTo(first));

        static long In(string json) => JsonDocument.Parse(json).RootElement.GetProperty("nfs").EnumerateArray()
            .Single(n => n.GetProperty("name").GetString() == "ttl").GetProperty("packetsIn").GetString() is { } s ? long.Parse(s) : -1; // int64 is a JSON string in proto3
    }

    [Test]
    public async Task JsonIsTheProtoMessages()
    {
        var r = await Ctl("status", "--json");
        Assert.That(r.Code, Is.Zero, r.Err);
        var doc = JsonDocument.Parse(r.Out).RootElement;
        Assert.That(doc.GetProperty("info").GetProperty("cores").GetInt32(), Is.EqualTo(1));
        Assert.That(doc.GetProperty("ports").GetProperty("ports").GetArrayLength(), Is.EqualTo(2));
        var chains = JsonDocument.Parse((await Ctl("chains", "--json")).Out).RootElement;
        Assert.That(chains.GetProperty("chains")[0].GetProperty("through").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "ttl", "mon" }));
    }

    [Test]
    public async Task VerifyUploadsAndListsViolations()
    {
        var ok = await Ctl("verify", PluginCompiler.TtlPath);
        Assert.That(ok.Code, Is.Zero, ok.Err);
        Assert.That(ok.Out, Does.Contain(": OK (Switchboard.Plugins.Ttl"));

        string hostile = Path.Combine(_switch.Directory, "hostile.dll");
        File.WriteAllBytes(hostile, PluginCompiler.Hostile.Value);
        var refused = await Ctl("verify", hostile);
        Assert.That(refused.Code, Is.EqualTo(1));
        Assert.That(refused.Out, Does.Contain("Vendor.Hostile Forger::AddressOf").And.Contain("[unsafe-api]"));
        Assert.That(refused.Err, Does.Contain("refused"));

        var onSwitch = await Ctl("verify", "--on-switch", hostile);
        Assert.That(onSwitch.Code, Is.EqualTo(1));
        var missing = await Ctl("verify", Path.Combine(_switch.Directory, "nope.dll"));
        Assert.That(missing.Code, Is.EqualTo(2));
        Assert.That(missing.Err, Does.Contain("nope.dll"));
    }

    [Test]
    public async Task RefusedOperationsExitNonZeroWithTheServersMessage()
    {
        string hostile = VendorPackage.Write(_switch.Directory, "hostile-load", VendorPackage.HostileSource);
        var load = await Ctl("load", hostile);
        Assert.That(load.Code, Is.EqualTo(1));
        Assert.That(load.Err, Does.Contain("switchboard ctl load: PermissionDenied:").And.Contain("[unsafe-api]"));

        var replace = await Ctl("replace", "nope", "monitor");
        Assert.That(replace.Code, Is.EqualTo(1));
        Assert.That(replace.Err, Does.Contain("NotFound").And.Contain("'nope'"));

        var unload = await Ctl("unload", "Switchboard.Plugins.Ttl");
        Assert.That((unload.Code, unload.Err.Contains("FailedPrecondition")), Is.EqualTo((1, true)), unload.Err);

        var create = await Ctl("create-chain", "second", "gen", "sink");
        Assert.That(create.Code, Is.EqualTo(1));
        Assert.That(create.Err, Does.Contain("FailedPrecondition").And.Contain("port 'gen' already feeds chain 'main'"));

        var remove = await Ctl("remove", "main", "nope");
        Assert.That(remove.Code, Is.EqualTo(1));
        Assert.That(remove.Err, Does.Contain("NotFound").And.Contain("does not pass through 'nope'"));
    }

    [Test]
    public async Task AFolderPackageIsZippedUploadedLoadedInsertedAndUnloaded()
    {
        string package = VendorPackage.Write(_switch.Directory, "acme-pkg", VendorPackage.CounterSource());
        var load = await Ctl("load", package);
        Assert.That(load.Code, Is.EqualTo(0), load.Err);
        Assert.That(load.Out, Does.Contain("acme.counter"));
        var insert = await Ctl("insert", "main", "acme", "--type", "counter", "--position", "0");
        Assert.That(insert.Code, Is.EqualTo(0), insert.Err);
        var chains = await Ctl("chains");
        Assert.That(chains.Out, Does.Contain("acme"));
        var remove = await Ctl("remove", "main", "acme");
        Assert.That(remove.Code, Is.EqualTo(0), remove.Err);
        var unload = await Ctl("unload", "acme.counter");
        Assert.That(unload.Code, Is.EqualTo(0), unload.Err);
    }

    [Test]
    public async Task AWrongTokenOrNoTokenFileFails()
    {
        string wrong = Path.Combine(_switch.Directory, "wrong.token");
        File.WriteAllText(wrong, "not-the-token\n");
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand { CtlCommand.Create(output, error) };
        int code = await root.Parse(["ctl", "status", "--token-file", wrong, "--address", _switch.Server.Address.ToString()]).InvokeAsync();
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error.ToString(), Does.Contain("Unauthenticated").And.Contain("wrong token"));

        code = await root.Parse(["ctl", "status", "--token-file", Path.Combine(_switch.Directory, "absent.token")]).InvokeAsync();
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error.ToString(), Does.Contain("cannot read the control token").And.Contain("absent.token"));
    }

    [Test]
    public async Task AnUnreachableSwitchIsNamed()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand { CtlCommand.Create(output, error) };
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        int port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop(); // a port nothing listens on
        int code = await root.Parse(["ctl", "status", "--token-file", _switch.Server.TokenFilePath, "--address", $"127.0.0.1:{port}"]).InvokeAsync();
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error.ToString(), Does.Contain($"cannot reach the switch at http://127.0.0.1:{port}"));
    }
}
