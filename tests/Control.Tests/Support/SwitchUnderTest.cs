using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Switchboard.Control.V1;
using Switchboard.Host.Config;
using Switchboard.Host.Control;
using Switchboard.Host.Plugins;
using Switchboard.Host.Runtime;

namespace Switchboard.Control.Tests.Support;

/// <summary>
/// A real switch for the tests: a dataplane built from a deployment (generator → ttl → monitor → null on
/// one core), started, with the control plane on a free loopback port and its token in a temp folder.
/// </summary>
internal sealed class SwitchUnderTest : IAsyncDisposable
{
    public const string Deployment = """
    {
      "cores": 1,
      "ports": {
        "gen": { "type": "generator", "flows": 50, "rateMpps": 0.2 },
        "sink": { "type": "null" }
      },
      "nfs": { "ttl": { "type": "ttl" }, "mon": { "type": "monitor" } },
      "chains": [ { "name": "main", "from": "gen", "through": ["ttl", "mon"], "to": "sink" } ]
    }
    """;

    private GrpcChannel? _channel;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _log;

    private SwitchUnderTest(string dir, Dataplane dataplane, ControlServer server, System.Collections.Concurrent.ConcurrentQueue<string> log)
    {
        _log = log;
        Directory = dir;
        Dataplane = dataplane;
        Server = server;
    }

    public string Directory { get; }
    public Dataplane Dataplane { get; }
    public ControlServer Server { get; }
    public IReadOnlyCollection<string> Log => _log;
    public string DeploymentPath => Path.Combine(Directory, "deployment.json");

    public static async Task<SwitchUnderTest> StartAsync(ControlOptions? options = null, string deployment = Deployment)
    {
        string dir = Path.Combine(Path.GetTempPath(), "sb-ctl-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(dir);
        var registry = NfRegistry.BuiltIn();
        var loaded = DeploymentLoader.Parse(deployment, Path.Combine(dir, "deployment.json"), registry.Names, dir);
        Assert.That(loaded.Errors, Is.Empty, loaded.FormatErrors());
        var dp = Dataplane.Build(loaded.Deployment!, registry, _ => { });
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var state = new SwitchState(dp, registry, new SwitchPluginOperations(dp, registry, new PluginCatalog(), log.Enqueue), log.Enqueue);
        options ??= new ControlOptions();
        options = options with { Listen = options.Listen == ControlOptions.DefaultListen ? "127.0.0.1:0" : options.Listen, TokenFile = options.TokenFile ?? Path.Combine(dir, "run", "control.token") };
        ControlServer server;
        try { server = await ControlServer.StartAsync(options, state); }
        catch
        {
            dp.Dispose();
            System.IO.Directory.Delete(dir, recursive: true);
            throw;
        }
        dp.Start(pinThreads: false);
        state.MarkStarted();
        return new SwitchUnderTest(dir, dp, server, log);
    }

    /// <summary>A channel whose calls carry <paramref name="token"/> (default: the switch's); null sends no authorization.</summary>
    public CallInvoker Invoker(string? token = "<switch>")
    {
        // One connection for every client: the server allows only a few concurrent connections.
        var channel = _channel ??= GrpcChannel.ForAddress(Server.Address);
        if (token is null) return channel.CreateCallInvoker();
        string value = "Bearer " + (token == "<switch>" ? Server.Token : token);
        return channel.Intercept(m => { m.Add("authorization", value); return m; });
    }

    public SwitchService.SwitchServiceClient Switch(string? token = "<switch>") => new(Invoker(token));
    public PluginService.PluginServiceClient Plugins(string? token = "<switch>") => new(Invoker(token));
    public ChainService.ChainServiceClient Chains(string? token = "<switch>") => new(Invoker(token));
    public CounterService.CounterServiceClient Counters(string? token = "<switch>") => new(Invoker(token));
    public VerificationService.VerificationServiceClient Verification(string? token = "<switch>") => new(Invoker(token));

    public async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        await Server.DisposeAsync();
        Dataplane.Stop();
        Dataplane.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
