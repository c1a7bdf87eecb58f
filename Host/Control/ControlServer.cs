using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Host.Control.Services;

namespace Switchboard.Host.Control;

/// <summary>
/// The gRPC control plane inside the switch process: Kestrel on HTTP/2 with the five services of
/// Control/switchboard.proto behind <see cref="BearerTokenInterceptor"/>. Kept small so it does not
/// compete with the dataplane: one socket I/O queue, few connections and streams, and the worker
/// threads run at a higher priority than anything here.
/// </summary>
internal sealed class ControlServer : IAsyncDisposable
{
    /// <summary>Largest request (an uploaded package or assembly).</summary>
    public const int MaxRequestBytes = 64 * 1024 * 1024;

    private readonly WebApplication _app;
    private readonly string _tokenFile, _addressFile;

    private readonly SwitchStateHolder _holder;
    private bool _filesWritten;

    private ControlServer(WebApplication app, SwitchStateHolder holder, Uri address, string token, string tokenFile, string addressFile)
    {
        _app = app;
        _holder = holder;
        Address = address;
        Token = token;
        _tokenFile = tokenFile;
        _addressFile = addressFile;
    }

    /// <summary>The address clients connect to, e.g. http://127.0.0.1:50051.</summary>
    public Uri Address { get; }
    public string Token { get; }
    /// <summary>The switch served; null until <see cref="Attach"/>.</summary>
    public SwitchState? State => _holder.State;
    public string TokenFilePath => _tokenFile;
    public string AddressFilePath => _addressFile;

    /// <summary>Bind, attach <paramref name="state"/>, write the token and address files, and serve. Throws
    /// <see cref="ControlStartException"/> with a message for the operator when the options are unsafe or the
    /// address cannot be bound.</summary>
    public static async Task<ControlServer> StartAsync(ControlOptions options, SwitchState state, CancellationToken cancel = default)
    {
        var server = await StartDetachedAsync(options, cancel);
        try
        {
            server.Attach(state);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Bind and start the web host without a switch: every call fails with Unavailable, and no token file
    /// exists (so no caller can authenticate), until <see cref="Attach"/>. Lets the host start while the dataplane builds.</summary>
    public static async Task<ControlServer> StartDetachedAsync(ControlOptions options, CancellationToken cancel = default)
    {
        IPEndPoint endpoint;
        try { endpoint = ControlOptions.ParseEndpoint(options.Listen); }
        catch (Exception e) when (e is FormatException or System.Net.Sockets.SocketException)
        {
            throw new ControlStartException($"control: --control {options.Listen}: {e.Message}");
        }
        bool tls = options.TlsCertificate is not null || options.TlsKey is not null;
        if (tls && (options.TlsCertificate is null || options.TlsKey is null))
            throw new ControlStartException("control: TLS needs both --control-tls-cert and --control-tls-key (PEM files).");
        if (!IPAddress.IsLoopback(endpoint.Address))
        {
            if (!options.AllowRemote)
                throw new ControlStartException($"control: refusing to listen on {endpoint}, which is not a loopback address: anyone who can reach it " +
                                                "could try to control the switch. Pass --control-allow-remote with --control-tls-cert/--control-tls-key to do it anyway.");
            if (!tls)
                throw new ControlStartException($"control: listening on {endpoint} (not loopback) needs TLS so the token does not cross the network in clear text: " +
                                                "pass --control-tls-cert and --control-tls-key.");
        }
        if (options.ClientCa is not null && !tls)
            throw new ControlStartException("control: --control-client-ca (mutual TLS) needs --control-tls-cert and --control-tls-key.");
        X509Certificate2? certificate = null, clientCa = null;
        if (tls)
        {
            try { certificate = X509Certificate2.CreateFromPemFile(options.TlsCertificate!, options.TlsKey!); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                throw new ControlStartException($"control: cannot read the TLS certificate {options.TlsCertificate} / key {options.TlsKey}: {e.Message}");
            }
        }
        if (options.ClientCa is not null)
        {
            try { clientCa = X509CertificateLoader.LoadCertificateFromFile(options.ClientCa); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                throw new ControlStartException($"control: cannot read the client CA certificate {options.ClientCa}: {e.Message}");
            }
        }

        string token = TokenFile.NewToken();
        var holder = new SwitchStateHolder();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "Switchboard.Host" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxConcurrentConnections = 32;
            k.Limits.Http2.MaxStreamsPerConnection = 16;
            k.Limits.MaxRequestBodySize = MaxRequestBytes + 1024;
            k.Listen(endpoint, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (certificate is null) return;
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = certificate,
                    ClientCertificateMode = clientCa is null ? ClientCertificateMode.NoCertificate : ClientCertificateMode.RequireCertificate,
                    ClientCertificateValidation = clientCa is null ? null : (client, _, _) => CertificateTrust.IssuedBy(clientCa, client),
                });
            });
        });
        builder.WebHost.UseSockets(s => s.IOQueueCount = 1);
        builder.Services.AddRoutingCore();
        builder.Services.AddLogging();
        builder.Services.AddSingleton(holder);
        builder.Services.AddTransient(_ => holder.State ?? throw SwitchStateHolder.NotYet());
        builder.Services.AddSingleton(new ControlAuth(token));
        builder.Services.AddSingleton<RefusalLog>();
        builder.Services.AddSingleton<AuthenticationMiddleware>();
        builder.Services.AddGrpc(g =>
        {
            g.Interceptors.Add<BearerTokenInterceptor>();
            g.MaxReceiveMessageSize = MaxRequestBytes;
            g.MaxSendMessageSize = 16 * 1024 * 1024;
            g.EnableDetailedErrors = false;
        });
        var app = builder.Build();
        var authentication = app.Services.GetRequiredService<AuthenticationMiddleware>();
        app.Use(authentication.InvokeAsync); // before routing: no request body is read without the token
        app.UseRouting();
        app.MapGrpcService<SwitchApi>();
        app.MapGrpcService<PluginApi>();
        app.MapGrpcService<ChainApi>();
        app.MapGrpcService<CounterApi>();
        app.MapGrpcService<VerificationApi>();
        try
        {
            await app.StartAsync(cancel);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw new ControlStartException($"control: cannot listen on {endpoint}: {e.Message}. " +
                                            $"Pass --control HOST:PORT for another address (port 0 picks a free one), or --no-control.");
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var address = new Uri(bound);
        string tokenFile = options.EffectiveTokenFile;
        return new ControlServer(app, holder, address, token, tokenFile, ControlOptions.AddressFileFor(tokenFile));
    }

    /// <summary>Serve <paramref name="state"/> from now on, and write the token (0600) and address files.</summary>
    public void Attach(SwitchState state)
    {
        if (Interlocked.CompareExchange(ref _holder.State, state, null) is not null) throw new InvalidOperationException("A switch is attached already.");
        try
        {
            TokenFile.WriteOwnerOnly(_tokenFile, Token);
            TokenFile.WritePublic(_addressFile, Address.ToString().TrimEnd('/'));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ControlStartException($"control: cannot write the token file {_tokenFile}: {e.Message}. Pass --control-token-file PATH, or --no-control.");
        }
        _filesWritten = true;
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2)); // open Watch streams end then
        try { await _app.StopAsync(grace.Token); }
        finally
        {
            await _app.DisposeAsync();
            // Remove our files only if they are still ours (another switch may have started since).
            try { if (_filesWritten && File.Exists(_tokenFile) && TokenFile.Read(_tokenFile) == Token) { File.Delete(_tokenFile); File.Delete(_addressFile); } }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }
}

/// <summary>Chain building against one operator-given CA (no system roots, no revocation lookups).</summary>
internal static class CertificateTrust
{
    public static bool IssuedBy(X509Certificate2 ca, X509Certificate2 presented)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(presented);
    }
}

/// <summary>The switch a control server serves, set once when the dataplane is built.</summary>
internal sealed class SwitchStateHolder
{
    public SwitchState? State;

    public static Grpc.Core.RpcException NotYet() =>
        new(new Grpc.Core.Status(Grpc.Core.StatusCode.Unavailable, "the switch is starting; try again in a moment"));
}

/// <summary>The control plane could not start; the message says why and what to pass instead.</summary>
internal sealed class ControlStartException(string message) : Exception(message);
