using Google.Protobuf;
using Grpc.Core;
using Switchboard.Control.Tests.Support;
using Switchboard.Control.V1;

namespace Switchboard.Control.Tests;

/// <summary>
/// Load/replace/unload and chain changes: names are checked against the running switch, a hostile package
/// is refused with its violations, and what this host cannot do yet fails with UNIMPLEMENTED naming what
/// is missing; never a faked success, and the dataplane is unchanged.
/// </summary>
public class OperationTests
{
    private SwitchUnderTest _switch = null!;

    [OneTimeSetUp]
    public async Task Start() => _switch = await SwitchUnderTest.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await _switch.DisposeAsync();

    private static async Task<RpcException> Fails(Func<Task> call) => (await Assert.ThrowsAsync<RpcException>(async () => await call()))!;

    [Test]
    public async Task LoadingAHostilePackageIsRefusedWithItsViolations()
    {
        var e = await Fails(() => _switch.Plugins().LoadAsync(new LoadPluginRequest
        {
            Package = new PackageSource { Content = ByteString.CopyFrom(PluginCompiler.Hostile.Value), FileName = "hostile.dll" },
        }).ResponseAsync);
        Assert.That(e.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(e.Status.Detail, Does.Contain("hostile.dll").And.Contain("refused by the IL verifier").And.Contain("[unsafe-api]").And.Contain("Forger::AddressOf"));
    }

    [Test]
    public async Task LoadingAGoodPackageSaysTheLoaderIsMissingAndLoadsNothing()
    {
        int before = _switch.Dataplane.Nfs.Count;
        var e = await Fails(() => _switch.Plugins().LoadAsync(new LoadPluginRequest { Package = new PackageSource { Path = PluginCompiler.TtlPath } }).ResponseAsync);
        Assert.That(e.StatusCode, Is.EqualTo(StatusCode.Unimplemented));
        Assert.That(e.Status.Detail, Does.Contain("plugin loader").And.Contain("passed IL verification").And.Contain("nothing was loaded"));
        Assert.That(_switch.Dataplane.Nfs, Has.Count.EqualTo(before));
        var missing = await Fails(() => _switch.Plugins().LoadAsync(new LoadPluginRequest { Package = new PackageSource { Path = "/nope/pkg.zip" } }).ResponseAsync);
        Assert.That(missing.StatusCode, Is.EqualTo(StatusCode.NotFound));
        var none = await Fails(() => _switch.Plugins().LoadAsync(new LoadPluginRequest()).ResponseAsync);
        Assert.That(none.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
    }

    [Test]
    public async Task ReplaceChecksInstanceAndTypeThenSaysHotSwapIsMissing()
    {
        var unknownInstance = await Fails(() => _switch.Plugins().ReplaceAsync(new ReplaceNfRequest { Instance = "nat", NfType = "ttl" }).ResponseAsync);
        Assert.That(unknownInstance.StatusCode, Is.EqualTo(StatusCode.NotFound));
        Assert.That(unknownInstance.Status.Detail, Does.Contain("'nat'").And.Contain("mon, ttl"));

        var unknownType = await Fails(() => _switch.Plugins().ReplaceAsync(new ReplaceNfRequest { Instance = "ttl", NfType = "nope" }).ResponseAsync);
        Assert.That(unknownType.StatusCode, Is.EqualTo(StatusCode.NotFound));
        Assert.That(unknownType.Status.Detail, Does.Contain("no NF type 'nope'"));

        var badConfig = await Fails(() => _switch.Plugins().ReplaceAsync(new ReplaceNfRequest { Instance = "ttl", NfType = "monitor", ConfigJson = "[1]" }).ResponseAsync);
        Assert.That(badConfig.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(badConfig.Status.Detail, Does.Contain("config_json"));

        var notYet = await Fails(() => _switch.Plugins().ReplaceAsync(new ReplaceNfRequest { Instance = "ttl", NfType = "monitor" }).ResponseAsync);
        Assert.That(notYet.StatusCode, Is.EqualTo(StatusCode.Unimplemented));
        Assert.That(notYet.Status.Detail, Does.Contain("hot").And.Contain("'ttl' keeps running unchanged"));
        Assert.That(_switch.Dataplane.Nfs.Single(n => n.Name == "ttl").Type, Is.EqualTo("ttl"));
    }

    [Test]
    public async Task UnloadRefusesBuiltInPluginsAndNamesUnknownOnes()
    {
        var builtIn = await Fails(() => _switch.Plugins().UnloadAsync(new UnloadPluginRequest { PluginId = "Switchboard.Plugins.Ttl" }).ResponseAsync);
        Assert.That(builtIn.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(builtIn.Status.Detail, Does.Contain("built into the host"));
        var unknown = await Fails(() => _switch.Plugins().UnloadAsync(new UnloadPluginRequest { PluginId = "Acme.Nope" }).ResponseAsync);
        Assert.That(unknown.StatusCode, Is.EqualTo(StatusCode.NotFound));
        Assert.That(unknown.Status.Detail, Does.Contain("Acme.Nope"));
        var empty = await Fails(() => _switch.Plugins().UnloadAsync(new UnloadPluginRequest()).ResponseAsync);
        Assert.That(empty.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(empty.Status.Detail, Does.Contain("plugin_id"));
    }

    [Test]
    public async Task ChainChangesAreCheckedThenSayHotChangesAreMissing()
    {
        var chains = _switch.Chains();
        Assert.That((await Fails(() => chains.CreateAsync(new CreateChainRequest { Name = "main", From = "gen", To = "sink" }).ResponseAsync)).StatusCode, Is.EqualTo(StatusCode.AlreadyExists));
        var badPort = await Fails(() => chains.CreateAsync(new CreateChainRequest { Name = "second", From = "eth9", To = "sink" }).ResponseAsync);
        Assert.That(badPort.StatusCode, Is.EqualTo(StatusCode.NotFound));
        Assert.That(badPort.Status.Detail, Does.Contain("no port 'eth9'").And.Contain("gen, sink"));
        var twice = await Fails(() => chains.CreateAsync(new CreateChainRequest { Name = "second", From = "gen", To = "sink", Through = { "ttl", "ttl" } }).ResponseAsync);
        Assert.That(twice.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(twice.Status.Detail, Does.Contain("'ttl' is listed twice"));
        var badNf = await Fails(() => chains.CreateAsync(new CreateChainRequest { Name = "second", From = "gen", To = "sink", Through = { "fw" } }).ResponseAsync);
        Assert.That(badNf.StatusCode, Is.EqualTo(StatusCode.NotFound));
        var create = await Fails(() => chains.CreateAsync(new CreateChainRequest
        {
            Name = "second", From = "gen", To = "sink", Through = { "fw" },
            NewInstances = { new NfInstanceSpec { Name = "fw", Type = "firewall", ConfigJson = """{"default":"accept"}""" } },
        }).ResponseAsync);
        Assert.That(create.StatusCode, Is.EqualTo(StatusCode.Unimplemented));
        Assert.That(create.Status.Detail, Does.Contain("cannot create chain 'second'").And.Contain("unchanged"));

        Assert.That((await Fails(() => chains.DeleteAsync(new DeleteChainRequest { Name = "other" }).ResponseAsync)).StatusCode, Is.EqualTo(StatusCode.NotFound));
        Assert.That((await Fails(() => chains.DeleteAsync(new DeleteChainRequest { Name = "main" }).ResponseAsync)).StatusCode, Is.EqualTo(StatusCode.Unimplemented));

        var already = await Fails(() => chains.InsertNfAsync(new InsertNfRequest { Chain = "main", Instance = "ttl" }).ResponseAsync);
        Assert.That(already.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        var insert = await Fails(() => chains.InsertNfAsync(new InsertNfRequest { Chain = "main", NewInstance = new NfInstanceSpec { Name = "ttl2", Type = "ttl" } }).ResponseAsync);
        Assert.That(insert.StatusCode, Is.EqualTo(StatusCode.Unimplemented));

        var notInChain = await Fails(() => chains.RemoveNfAsync(new RemoveNfRequest { Chain = "main", Instance = "nat" }).ResponseAsync);
        Assert.That(notInChain.StatusCode, Is.EqualTo(StatusCode.NotFound));
        Assert.That(notInChain.Status.Detail, Does.Contain("ttl, mon"));
        Assert.That((await Fails(() => chains.RemoveNfAsync(new RemoveNfRequest { Chain = "main", Instance = "mon" }).ResponseAsync)).StatusCode, Is.EqualTo(StatusCode.Unimplemented));

        Assert.That(_switch.Dataplane.Deployment.Chains.Single().Through, Is.EqualTo(new[] { "ttl", "mon" }));
    }
}
