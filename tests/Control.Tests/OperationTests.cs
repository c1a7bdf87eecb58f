using Google.Protobuf;
using Grpc.Core;
using Switchboard.Control.Tests.Support;
using Switchboard.Control.V1;

namespace Switchboard.Control.Tests;

/// <summary>
/// Load/replace/unload and chain changes on a running switch: names are checked against it, a hostile package
/// is refused with its violations, hot changes happen; never a faked success, and a refused change leaves the
/// switch unchanged.
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
        string package = VendorPackage.Write(_switch.Directory, "hostile", VendorPackage.HostileSource);
        var e = await Fails(() => _switch.Plugins().LoadAsync(new LoadPluginRequest { Package = new PackageSource { Path = package } }).ResponseAsync);
        Assert.That(e.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(e.Status.Detail, Does.Contain("hostile").And.Contain("verification stage").And.Contain("[unsafe-api]").And.Contain("AddressOf"));
        Assert.That((await _switch.Plugins().ListAsync(new ListPluginsRequest())).Plugins.Select(p => p.Id), Does.Not.Contain("acme.counter"));
    }

    [Test]
    public async Task LoadingSomethingThatIsNotAPackageLoadsNothing()
    {
        int before = _switch.Dataplane.Nfs.Count;
        var bare = await Fails(() => _switch.Plugins().LoadAsync(new LoadPluginRequest { Package = new PackageSource { Path = PluginCompiler.TtlPath } }).ResponseAsync);
        Assert.That(bare.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(bare.Status.Detail, Does.Contain("nothing was loaded"));
        Assert.That(_switch.Dataplane.Nfs, Has.Count.EqualTo(before));
        var missing = await Fails(() => _switch.Plugins().LoadAsync(new LoadPluginRequest { Package = new PackageSource { Path = "/nope/pkg.zip" } }).ResponseAsync);
        Assert.That(missing.StatusCode, Is.Not.EqualTo(StatusCode.OK));
        Assert.That(missing.Status.Detail, Does.Contain("/nope/pkg.zip"));
        var none = await Fails(() => _switch.Plugins().LoadAsync(new LoadPluginRequest()).ResponseAsync);
        Assert.That(none.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
    }

    [Test]
    public async Task ReplaceChecksInstanceTypeAndConfigThenSwapsBuiltInTypes()
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

        var failsToBuild = await Fails(() => _switch.Plugins().ReplaceAsync(new ReplaceNfRequest { Instance = "ttl", NfType = "nat", ConfigJson = "{}" }).ResponseAsync);
        Assert.That(failsToBuild.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(failsToBuild.Status.Detail, Does.Contain("unchanged"));
        Assert.That(_switch.Dataplane.Nfs.Single(n => n.Name == "ttl").Type, Is.EqualTo("ttl"));

        var swapped = await _switch.Plugins().ReplaceAsync(new ReplaceNfRequest { Instance = "ttl", NfType = "monitor", ConfigJson = "{}" });
        Assert.That((swapped.OldType, swapped.NewType, swapped.Cores), Is.EqualTo(("ttl", "monitor", 1)));
        Assert.That(_switch.Dataplane.Nfs.Single(n => n.Name == "ttl").Type, Is.EqualTo("monitor"));
        var back = await _switch.Plugins().ReplaceAsync(new ReplaceNfRequest { Instance = "ttl", NfType = "ttl", ConfigJson = "{}" });
        Assert.That(back.NewType, Is.EqualTo("ttl"));
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
    public async Task ChainChangesAreCheckedAndNfsInsertedAndRemovedWhileTrafficFlows()
    {
        var chains = _switch.Chains();
        Assert.That((await Fails(() => chains.CreateAsync(new CreateChainRequest { Name = "main", From = "gen", To = "sink" }).ResponseAsync)).StatusCode, Is.EqualTo(StatusCode.AlreadyExists));
        var badPort = await Fails(() => chains.CreateAsync(new CreateChainRequest { Name = "second", From = "eth9", To = "sink" }).ResponseAsync);
        Assert.That(badPort.StatusCode, Is.EqualTo(StatusCode.NotFound));
        Assert.That(badPort.Status.Detail, Does.Contain("no port 'eth9'").And.Contain("gen, sink"));
        var twice = await Fails(() => chains.CreateAsync(new CreateChainRequest { Name = "second", From = "gen", To = "sink", Through = { "ttl", "ttl" } }).ResponseAsync);
        Assert.That(twice.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(twice.Status.Detail, Does.Contain("'ttl' is listed twice"));
        var create = await Fails(() => chains.CreateAsync(new CreateChainRequest
        {
            Name = "second", From = "gen", To = "sink", Through = { "fw" },
            NewInstances = { new NfInstanceSpec { Name = "fw", Type = "firewall", ConfigJson = """{"default":"accept"}""" } },
        }).ResponseAsync);
        Assert.That(create.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(create.Status.Detail, Does.Contain("port 'gen' already feeds chain 'main'").And.Contain("nothing was changed"));
        Assert.That((await Fails(() => chains.DeleteAsync(new DeleteChainRequest { Name = "other" }).ResponseAsync)).StatusCode, Is.EqualTo(StatusCode.NotFound));

        var already = await Fails(() => chains.InsertNfAsync(new InsertNfRequest { Chain = "main", Instance = "ttl" }).ResponseAsync);
        Assert.That(already.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        var notInChain = await Fails(() => chains.RemoveNfAsync(new RemoveNfRequest { Chain = "main", Instance = "nat" }).ResponseAsync);
        Assert.That(notInChain.StatusCode, Is.EqualTo(StatusCode.NotFound));
        Assert.That(notInChain.Status.Detail, Does.Contain("ttl, mon"));

        var inserted = await chains.InsertNfAsync(new InsertNfRequest { Chain = "main", NewInstance = new NfInstanceSpec { Name = "ttl2", Type = "ttl" }, Position = 1 });
        Assert.That(inserted.Chain.Through, Is.EqualTo(new[] { "ttl", "ttl2", "mon" }));
        Assert.That((await chains.ListAsync(new ListChainsRequest())).Chains.Single().Through, Is.EqualTo(new[] { "ttl", "ttl2", "mon" }));
        await WaitUntil(() => _switch.Dataplane.Nfs.Single(n => n.Name == "ttl2").Entry.PacketsIn > 0);
        var removed = await chains.RemoveNfAsync(new RemoveNfRequest { Chain = "main", Instance = "ttl2" });
        Assert.That(removed.Chain.Through, Is.EqualTo(new[] { "ttl", "mon" }));
        Assert.That(_switch.Dataplane.RunningChains.Single().Through, Is.EqualTo(new[] { "ttl", "mon" }));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++) await Task.Delay(10);
        Assert.That(condition(), Is.True, "traffic reached the inserted NF");
    }
}
