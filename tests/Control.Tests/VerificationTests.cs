using Google.Protobuf;
using Grpc.Core;
using Switchboard.Control.Tests.Support;
using Switchboard.Control.V1;

namespace Switchboard.Control.Tests;

/// <summary>The IL verifier over the control plane: a hostile assembly's violations, a first-party plugin OK.</summary>
public class VerificationTests
{
    private SwitchUnderTest _switch = null!;

    [OneTimeSetUp]
    public async Task Start() => _switch = await SwitchUnderTest.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await _switch.DisposeAsync();

    [Test]
    public async Task AHostileAssemblyIsRefusedWithItsViolations()
    {
        var result = await _switch.Verification().VerifyAsync(new VerifyRequest
        {
            Content = ByteString.CopyFrom(PluginCompiler.Hostile.Value), FileName = "hostile.dll",
        });
        Assert.That(result.Ok, Is.False);
        Assert.That(result.Assembly, Is.EqualTo("Vendor.Hostile"));
        Assert.That(result.Source, Is.EqualTo("hostile.dll"));
        var unsafeUse = result.Violations.FirstOrDefault(v => v.Rule == "unsafe-api" && v.Method.Contains("AddressOf"));
        Assert.That(unsafeUse, Is.Not.Null, string.Join("\n", result.Violations));
        Assert.That(unsafeUse!.Type, Is.EqualTo("Forger"));
        Assert.That(unsafeUse.HasIlOffset, Is.True);
        Assert.That(unsafeUse.Message, Does.Contain("Unsafe"));
    }

    [Test]
    public async Task TheTtlPluginIsOkFromBytesAndFromAPathOnTheSwitch()
    {
        var uploaded = await _switch.Verification().VerifyAsync(new VerifyRequest { Content = ByteString.CopyFrom(File.ReadAllBytes(PluginCompiler.TtlPath)), FileName = "ttl.dll" });
        Assert.That(uploaded.Ok, Is.True, string.Join("\n", uploaded.Violations));
        Assert.That(uploaded.Violations, Is.Empty);
        Assert.That(uploaded.Assembly, Is.EqualTo("Switchboard.Plugins.Ttl"));
        Assert.That(uploaded.MethodsChecked, Is.GreaterThan(0));

        var byPath = await _switch.Verification().VerifyAsync(new VerifyRequest { Path = PluginCompiler.TtlPath });
        Assert.That(byPath.Ok, Is.True);
        Assert.That(byPath.Source, Is.EqualTo(PluginCompiler.TtlPath));
    }

    [Test]
    public async Task MissingOrEmptyInputIsNamed()
    {
        var missing = await Assert.ThrowsAsync<RpcException>(async () => await _switch.Verification().VerifyAsync(new VerifyRequest { Path = "/nonexistent/plugin.dll" }));
        Assert.That(missing!.StatusCode, Is.EqualTo(StatusCode.NotFound));
        Assert.That(missing.Status.Detail, Does.Contain("/nonexistent/plugin.dll"));
        var empty = await Assert.ThrowsAsync<RpcException>(async () => await _switch.Verification().VerifyAsync(new VerifyRequest()));
        Assert.That(empty!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(empty.Status.Detail, Does.Contain("assembly is required"));
    }

    [Test]
    public async Task StatusGivesThePolicyAndTheVerdictOnEveryPlugin()
    {
        var status = await _switch.Verification().GetStatusAsync(new GetVerificationStatusRequest());
        Assert.That(status.PolicySha256, Does.Match("^[0-9a-f]{64}$"));
        Assert.That(status.SignatureRequired, Is.False);
        var ttl = status.Plugins.Single(p => p.PluginId == "Switchboard.Plugins.Ttl");
        Assert.That(ttl.Result.Ok, Is.True);
        Assert.That(status.Plugins.Select(p => p.PluginId), Does.Contain("Switchboard.Plugins.Monitor"));
    }
}
