using System.Net;
using System.Net.Sockets;
using Switchboard.Control.Tests.Support;
using Switchboard.Host.Control;

namespace Switchboard.Control.Tests;

/// <summary>Where the server listens and how it hands out its token.</summary>
public class ServerSetupTests
{
    [Test]
    public void TheDefaultIsLoopbackOnly()
    {
        var defaults = new ControlOptions();
        Assert.That(defaults.Listen, Is.EqualTo("127.0.0.1:50051"));
        Assert.That(IPAddress.IsLoopback(ControlOptions.ParseEndpoint(defaults.Listen).Address), Is.True);
        Assert.That(defaults.AllowRemote, Is.False);
    }

    [Test]
    public async Task ItBindsLoopbackAndWritesAnOwnerOnlyTokenFileThatGoesAwayOnStop()
    {
        var sut = await SwitchUnderTest.StartAsync();
        string tokenFile = sut.Server.TokenFilePath, addressFile = sut.Server.AddressFilePath;
        try
        {
            Assert.That(IPAddress.IsLoopback(IPAddress.Parse(sut.Server.Address.Host)), Is.True, sut.Server.Address.ToString());
            Assert.That(sut.Server.Address.Port, Is.Not.Zero);
            if (!OperatingSystem.IsWindows())
            {
                Assert.That(File.GetUnixFileMode(tokenFile), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), "token file is 0600");
                Assert.That(File.GetUnixFileMode(Path.GetDirectoryName(tokenFile)!), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute), "its folder is 0700");
            }
            Assert.That(File.ReadAllText(tokenFile).Trim(), Is.EqualTo(sut.Server.Token));
            Assert.That(sut.Server.Token, Has.Length.GreaterThanOrEqualTo(43), "256 random bits");
            Assert.That(File.ReadAllText(addressFile).Trim(), Is.EqualTo(sut.Server.Address.ToString().TrimEnd('/')));
            Assert.That(Path.GetFileName(addressFile), Is.EqualTo("control.address"));
            // Nothing answers on the machine's other addresses.
            foreach (var other in NonLoopbackAddresses())
                Assert.That(() => { using var c = new TcpClient(); c.Connect(other, sut.Server.Address.Port); }, Throws.InstanceOf<SocketException>(), other.ToString());
        }
        finally
        {
            await sut.DisposeAsync();
        }
        Assert.That(File.Exists(tokenFile), Is.False, "the token file is removed when the control plane stops");
        Assert.That(File.Exists(addressFile), Is.False);
    }

    [Test]
    public async Task BeforeTheSwitchIsAttachedThereIsNoTokenFileAndEveryCallIsUnavailable()
    {
        string tokenFile = Path.Combine(Path.GetTempPath(), "sb-ctl-detached-" + Guid.NewGuid().ToString("N"), "control.token");
        await using var server = await ControlServer.StartDetachedAsync(new ControlOptions { Listen = "127.0.0.1:0", TokenFile = tokenFile });
        Assert.That(File.Exists(tokenFile), Is.False, "no one can hold the token before the dataplane exists");
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(server.Address);
        var client = new Switchboard.Control.V1.SwitchService.SwitchServiceClient(channel);
        var headers = new Grpc.Core.Metadata { { "authorization", "Bearer " + server.Token } };
        var e = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await client.GetInfoAsync(new(), headers));
        Assert.That(e!.StatusCode, Is.EqualTo(Grpc.Core.StatusCode.Unavailable));
        Assert.That(e.Status.Detail, Does.Contain("starting"));
        Assert.That(Directory.Exists(Path.GetDirectoryName(tokenFile)), Is.False, "nothing was written");
    }

    [Test]
    public async Task AStaleTokenFileIsReplacedNotWrittenThrough()
    {
        string dir = Path.Combine(Path.GetTempPath(), "sb-ctl-stale-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        string tokenFile = Path.Combine(dir, "control.token"), victim = Path.Combine(dir, "victim");
        File.WriteAllText(victim, "keep");
        File.CreateSymbolicLink(tokenFile, victim);
        var sut = await SwitchUnderTest.StartAsync(new ControlOptions { TokenFile = tokenFile });
        try
        {
            Assert.That(File.ReadAllText(victim), Is.EqualTo("keep"), "the symlink's target was not written");
            Assert.That(new FileInfo(tokenFile).LinkTarget, Is.Null, "a fresh file replaced the link");
            Assert.That(File.ReadAllText(tokenFile).Trim(), Is.EqualTo(sut.Server.Token));
        }
        finally
        {
            await sut.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestCase("0.0.0.0:0")]
    [TestCase("[::]:0")]
    public async Task ANonLoopbackAddressIsRefusedUnlessAskedForAndThenNeedsTls(string listen)
    {
        var refused = await Assert.ThrowsAsync<ControlStartException>(async () => await SwitchUnderTest.StartAsync(new ControlOptions { Listen = listen }));
        Assert.That(refused!.Message, Does.Contain("not a loopback address").And.Contain("--control-allow-remote"));
        var noTls = await Assert.ThrowsAsync<ControlStartException>(async () => await SwitchUnderTest.StartAsync(new ControlOptions { Listen = listen, AllowRemote = true }));
        Assert.That(noTls!.Message, Does.Contain("needs TLS"));
    }

    [Test]
    public async Task AnAddressInUseIsReportedWithWhatToDo()
    {
        using var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        int port = ((IPEndPoint)blocker.LocalEndpoint).Port;
        var e = await Assert.ThrowsAsync<ControlStartException>(async () => await SwitchUnderTest.StartAsync(new ControlOptions { Listen = $"127.0.0.1:{port}" }));
        Assert.That(e!.Message, Does.Contain($"cannot listen on 127.0.0.1:{port}").And.Contain("--no-control"));
    }

    [TestCase("127.0.0.1:50051", "127.0.0.1", 50051)]
    [TestCase("[::1]:7000", "::1", 7000)]
    [TestCase("localhost:0", "127.0.0.1", 0)]
    [TestCase(":9000", "127.0.0.1", 9000)]
    public void EndpointsParse(string text, string address, int port)
    {
        var ep = ControlOptions.ParseEndpoint(text);
        Assert.That((ep.Address.ToString(), ep.Port), Is.EqualTo((address, port)));
    }

    [TestCase("50051")]
    [TestCase("127.0.0.1:http")]
    [TestCase("127.0.0.1:70000")]
    public void BadEndpointsAreRefused(string text) =>
        Assert.That(() => ControlOptions.ParseEndpoint(text), Throws.InstanceOf<FormatException>());

    private static IEnumerable<IPAddress> NonLoopbackAddresses() =>
        System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses).Select(a => a.Address)
            .Where(a => !IPAddress.IsLoopback(a) && a.AddressFamily == AddressFamily.InterNetwork).Take(2);
}
