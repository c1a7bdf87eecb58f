using System.CommandLine;
using Switchboard.Host.Control;

namespace Switchboard.Host.Cli;

/// <summary>The <c>run</c> options that set up the gRPC control plane (Host/Control). On by default, on loopback.</summary>
internal sealed class ControlRunOptions
{
    private readonly Option<string> _listen = new("--control")
    {
        Description = $"Serve the gRPC control plane on HOST:PORT (default {ControlOptions.DefaultListen}; port 0 picks a free port).",
        DefaultValueFactory = _ => ControlOptions.DefaultListen,
    };
    private readonly Option<bool> _off = new("--no-control") { Description = "Run without the control plane." };
    private readonly Option<string?> _tokenFile = new("--control-token-file")
    {
        Description = $"Where to write the control token (mode 0600; default {ControlOptions.DefaultTokenFile()}); the address goes beside it (.address).",
    };
    private readonly Option<bool> _allowRemote = new("--control-allow-remote")
    {
        Description = "Allow a non-loopback --control address (requires --control-tls-cert and --control-tls-key).",
    };
    private readonly Option<string?> _tlsCert = new("--control-tls-cert") { Description = "PEM certificate: serve the control plane over TLS." };
    private readonly Option<string?> _tlsKey = new("--control-tls-key") { Description = "PEM private key of --control-tls-cert." };
    private readonly Option<string?> _clientCa = new("--control-client-ca") { Description = "PEM CA: also require a client certificate it issued (mutual TLS)." };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { _listen, _off, _tokenFile, _allowRemote, _tlsCert, _tlsKey, _clientCa }) command.Options.Add(o);
    }

    /// <summary>The control plane's settings, or null with --no-control.</summary>
    public ControlOptions? Read(ParseResult parse) => parse.GetValue(_off) ? null : new ControlOptions
    {
        Listen = parse.GetValue(_listen)!,
        TokenFile = parse.GetValue(_tokenFile),
        AllowRemote = parse.GetValue(_allowRemote),
        TlsCertificate = parse.GetValue(_tlsCert),
        TlsKey = parse.GetValue(_tlsKey),
        ClientCa = parse.GetValue(_clientCa),
    };
}
