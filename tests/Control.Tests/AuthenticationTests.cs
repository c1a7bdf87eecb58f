using Grpc.Core;
using Switchboard.Control.Tests.Support;
using Switchboard.Control.V1;

namespace Switchboard.Control.Tests;

/// <summary>No RPC of the proto can be called without the switch's token: every method, generically, with no
/// token, a wrong token, and a non-bearer scheme.</summary>
public class AuthenticationTests
{
    private SwitchUnderTest _switch = null!;

    [OneTimeSetUp]
    public async Task Start() => _switch = await SwitchUnderTest.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await _switch.DisposeAsync();

    private static readonly Marshaller<byte[]> s_bytes = Marshallers.Create(b => b, b => b);

    public static IEnumerable<TestCaseData> EveryMethod() =>
        SwitchboardReflection.Descriptor.Services.SelectMany(s => s.Methods.Select(m =>
            new TestCaseData(s.FullName, m.Name, m.IsServerStreaming).SetArgDisplayNames($"{s.Name}.{m.Name}")));

    [Test]
    public void TheProtoHasTheFiveServicesAndEveryMethodIsCovered()
    {
        Assert.That(SwitchboardReflection.Descriptor.Services.Select(s => s.Name),
            Is.EquivalentTo(new[] { "SwitchService", "PluginService", "ChainService", "CounterService", "VerificationService" }));
        Assert.That(EveryMethod().Count(), Is.EqualTo(17), "2 + 5 + 6 + 2 + 2 methods");
    }

    [TestCaseSource(nameof(EveryMethod))]
    public async Task RefusedWithoutTokenWithWrongTokenAndWithAnotherScheme(string service, string method, bool streaming)
    {
        var attempts = new (string What, CallInvoker Invoker, Metadata? Headers)[]
        {
            ("no token", _switch.Invoker(token: null), null),
            ("wrong token", _switch.Invoker(token: "not-the-token"), null),
            ("token with one character changed", _switch.Invoker(token: Flip(_switch.Server.Token)), null),
            ("basic scheme", _switch.Invoker(token: null), new Metadata { { "authorization", "Basic " + _switch.Server.Token } }),
            ("bare token", _switch.Invoker(token: null), new Metadata { { "authorization", _switch.Server.Token } }),
        };
        foreach (var (what, invoker, headers) in attempts)
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => Call(invoker, service, method, streaming, headers), $"{what}: the call must fail");
            Assert.That(e!.StatusCode, Is.EqualTo(StatusCode.Unauthenticated), $"{what}: {e.Status.Detail}");
        }
    }

    [Test]
    public async Task ALargeUploadWithoutTheTokenIsRefusedAndAnUnknownPathToo()
    {
        var upload = new VerifyRequest { Content = Google.Protobuf.ByteString.CopyFrom(new byte[8 * 1024 * 1024]), FileName = "big.dll" };
        var e = await Assert.ThrowsAsync<RpcException>(async () => await new VerificationService.VerificationServiceClient(_switch.Invoker(token: "wrong")).VerifyAsync(upload));
        Assert.That(e!.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => Call(_switch.Invoker(token: null), "grpc.reflection.v1.ServerReflection", "ServerReflectionInfo", false, null));
        Assert.That(unknown!.StatusCode, Is.EqualTo(StatusCode.Unauthenticated), "even a path nothing serves answers only with the token");
    }

    [Test]
    public async Task EachRefusalIsLoggedWithMethodCallerAndReason()
    {
        await using var fresh = await SwitchUnderTest.StartAsync(); // its own log, far from the burst limit
        const string service = "switchboard.control.v1.ChainService", method = "List";
        await Assert.ThrowsAsync<RpcException>(() => Call(fresh.Invoker(token: null), service, method, false, null));
        await Assert.ThrowsAsync<RpcException>(() => Call(fresh.Invoker(token: "wrong"), service, method, false, null));
        await Assert.ThrowsAsync<RpcException>(() => Call(fresh.Invoker(token: null), service, method, false, new Metadata { { "authorization", "Basic x" } }));
        foreach (string reason in new[] { "no authorization metadata", "wrong token", "not a bearer token" })
            Assert.That(fresh.Log.Any(l => l.StartsWith($"control: refused /{service}/{method} from ipv4:127.0.0.1:") && l.EndsWith(reason)), Is.True,
                $"the refusal for '{reason}' is logged:\n{string.Join("\n", fresh.Log)}");
    }

    [Test]
    public void RefusalsAreLoggedInBurstsThenCounted()
    {
        var lines = new List<string>();
        var state = new Switchboard.Host.Control.SwitchState(_switch.Dataplane, Switchboard.Host.Runtime.NfRegistry.BuiltIn(),
            new Switchboard.Host.Control.SwitchPluginOperations(_switch.Dataplane, Switchboard.Host.Runtime.NfRegistry.BuiltIn(), new Switchboard.Host.Plugins.PluginCatalog()), lines.Add);
        var log = new Switchboard.Host.Control.RefusalLog();
        for (int i = 0; i < 100; i++) log.Refused(state, "/x/Y", "ipv4:127.0.0.1:1", "wrong token");
        Assert.That(lines, Has.Count.EqualTo(Switchboard.Host.Control.RefusalLog.Burst), "a flood of refusals does not flood the log");
        Assert.That(lines, Has.All.EqualTo("control: refused /x/Y from ipv4:127.0.0.1:1: wrong token"));
    }

    [Test]
    public async Task TheRightTokenIsAccepted()
    {
        // The same generic call path with the switch's token reaches the method.
        var reply = await Call(_switch.Invoker(), "switchboard.control.v1.SwitchService", "GetInfo", false, null);
        var info = SwitchInfo.Parser.ParseFrom(reply);
        Assert.That(info.Cores, Is.EqualTo(1));
    }

    private static async Task<byte[]> Call(CallInvoker invoker, string service, string method, bool streaming, Metadata? headers)
    {
        var options = new CallOptions(headers, deadline: DateTime.UtcNow.AddSeconds(20));
        if (streaming)
        {
            var m = new Method<byte[], byte[]>(MethodType.ServerStreaming, service, method, s_bytes, s_bytes);
            using var call = invoker.AsyncServerStreamingCall(m, null, options, []);
            await call.ResponseStream.MoveNext(CancellationToken.None);
            return call.ResponseStream.Current;
        }
        var unary = new Method<byte[], byte[]>(MethodType.Unary, service, method, s_bytes, s_bytes);
        return await invoker.AsyncUnaryCall(unary, null, options, []);
    }

    private static string Flip(string token) => (token[0] == 'A' ? 'B' : 'A') + token[1..];
}
