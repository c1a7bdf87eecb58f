using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Switchboard.Control.V1;
using Switchboard.Host.Control;

namespace Switchboard.Host.Cli;

/// <summary>
/// A client connection to a running switch's control plane: the address (given, or the one the switch
/// wrote beside its token file, or the default) and the bearer token read from the token file, sent
/// with every call.
/// </summary>
internal sealed class CtlConnection : IDisposable
{
    private readonly GrpcChannel _channel;

    private CtlConnection(GrpcChannel channel, string address, string token)
    {
        _channel = channel;
        Address = address;
        var invoker = channel.Intercept(metadata =>
        {
            metadata.Add("authorization", "Bearer " + token);
            return metadata;
        });
        Switch = new SwitchService.SwitchServiceClient(invoker);
        Plugins = new PluginService.PluginServiceClient(invoker);
        Chains = new ChainService.ChainServiceClient(invoker);
        Counters = new CounterService.CounterServiceClient(invoker);
        Verification = new VerificationService.VerificationServiceClient(invoker);
    }

    public string Address { get; }
    public SwitchService.SwitchServiceClient Switch { get; }
    public PluginService.PluginServiceClient Plugins { get; }
    public ChainService.ChainServiceClient Chains { get; }
    public CounterService.CounterServiceClient Counters { get; }
    public VerificationService.VerificationServiceClient Verification { get; }

    /// <summary>Connect; throws <see cref="CtlException"/> naming the file or address that is wrong.</summary>
    public static CtlConnection Open(string? address, string? tokenFile, string? caCertificate, string? clientCertificate = null, string? clientKey = null)
    {
        tokenFile ??= ControlOptions.DefaultTokenFile();
        string token;
        try { token = TokenFile.Read(tokenFile); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CtlException($"cannot read the control token from {tokenFile}: {e.Message} " +
                                   "(is the switch running? `./switchboard run` writes it at start-up; or pass --token-file)");
        }
        if (token.Length == 0) throw new CtlException($"{tokenFile} is empty; expected the switch's control token");

        address ??= ReadAddressFile(ControlOptions.AddressFileFor(tokenFile)) ?? ControlOptions.DefaultListen;
        if (!address.Contains("://", StringComparison.Ordinal)) address = (caCertificate is null ? "http://" : "https://") + address;
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new CtlException($"--address {address}: expected HOST:PORT or http(s)://HOST:PORT");

        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5), EnableMultipleHttp2Connections = false };
        if (caCertificate is not null)
        {
            X509Certificate2 ca;
            try { ca = X509CertificateLoader.LoadCertificateFromFile(caCertificate); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                throw new CtlException($"cannot read --ca-cert {caCertificate}: {e.Message}");
            }
            handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, errors) => TrustedBy(ca, cert, errors);
        }
        if (clientCertificate is not null || clientKey is not null)
        {
            if (clientCertificate is null || clientKey is null) throw new CtlException("--client-cert and --client-key go together (PEM files)");
            try { handler.SslOptions.ClientCertificates = [X509Certificate2.CreateFromPemFile(clientCertificate, clientKey)]; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                throw new CtlException($"cannot read --client-cert {clientCertificate} / --client-key {clientKey}: {e.Message}");
            }
        }
        var channel = GrpcChannel.ForAddress(uri, new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxSendMessageSize = ControlServer.MaxRequestBytes,
            MaxReceiveMessageSize = 16 * 1024 * 1024,
        });
        return new CtlConnection(channel, uri.ToString().TrimEnd('/'), token);
    }

    private static string? ReadAddressFile(string path)
    {
        try { return File.Exists(path) ? File.ReadAllText(path).Trim() is { Length: > 0 } a ? a : null : null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    // A certificate the operator's CA issued, for the host name asked for (name mismatch still fails).
    private static bool TrustedBy(X509Certificate2 ca, X509Certificate? presented, SslPolicyErrors errors)
    {
        if (presented is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)) return false;
        return CertificateTrust.IssuedBy(ca, presented as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(presented.GetRawCertData()));
    }

    public void Dispose() => _channel.Dispose();
}

/// <summary>A problem to report with an exit code: 2 for a local problem (no token file, bad address), 1 for a
/// verdict the switch gave (a refused assembly).</summary>
internal sealed class CtlException(string message, int exitCode = 2) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
