using System.Net;

namespace Switchboard.Host.Control;

/// <summary>
/// How <c>switchboard run</c> serves the control plane. Defaults: loopback 127.0.0.1:50051, a fresh
/// random token in <see cref="DefaultTokenFile"/> (mode 0600) and the address beside it. A
/// non-loopback address is refused unless <see cref="AllowRemote"/> is set, and then TLS
/// (<see cref="TlsCertificate"/>, <see cref="TlsKey"/>) is required: the bearer token must not cross a
/// network in clear text.
/// </summary>
internal sealed record ControlOptions
{
    public const int DefaultPort = 50051;
    public const string DefaultListen = "127.0.0.1:50051";

    /// <summary>host:port to listen on; port 0 picks a free port.</summary>
    public string Listen { get; init; } = DefaultListen;
    /// <summary>Where the token is written (mode 0600); null = <see cref="DefaultTokenFile"/>.</summary>
    public string? TokenFile { get; init; }
    /// <summary>Allow a non-loopback listen address (requires TLS).</summary>
    public bool AllowRemote { get; init; }
    /// <summary>PEM certificate and key for TLS; both or neither.</summary>
    public string? TlsCertificate { get; init; }
    public string? TlsKey { get; init; }
    /// <summary>PEM CA certificate: with TLS, also require a client certificate it issued (mutual TLS), on top of the token.</summary>
    public string? ClientCa { get; init; }

    public string EffectiveTokenFile => TokenFile ?? DefaultTokenFile();

    /// <summary>The address file written beside a token file: "control.token" → "control.address".</summary>
    public static string AddressFileFor(string tokenFile) => Path.ChangeExtension(tokenFile, ".address");

    /// <summary>/run/switchboard as root, else $XDG_RUNTIME_DIR/switchboard, else /tmp/switchboard-UID; file control.token.</summary>
    public static string DefaultTokenFile()
    {
        string dir;
        if (OperatingSystem.IsWindows()) dir = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "switchboard");
        else if (Environment.UserName == "root" || GetEuid() == 0) dir = "/run/switchboard";
        else if (Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } xdg && Directory.Exists(xdg)) dir = Path.Combine(xdg, "switchboard");
        else dir = Path.Combine(Path.GetTempPath(), $"switchboard-{GetEuid()}");
        return Path.Combine(dir, "control.token");
    }

    private static uint GetEuid() => OperatingSystem.IsWindows() ? 0 : PosixIds.geteuid();

    /// <summary>Parse "host:port", "[v6]:port" or ":port"; names resolve to their first address.</summary>
    public static IPEndPoint ParseEndpoint(string text)
    {
        string host, port;
        text = text.Trim();
        if (text.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            text = new Uri(text).Authority;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']');
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':') throw new FormatException($"'{text}': expected [address]:port");
            host = text[1..close];
            port = text[(close + 2)..];
        }
        else
        {
            int colon = text.LastIndexOf(':');
            if (colon < 0) throw new FormatException($"'{text}': expected host:port, e.g. {DefaultListen}");
            host = colon == 0 ? "127.0.0.1" : text[..colon];
            port = text[(colon + 1)..];
        }
        if (!int.TryParse(port, out int p) || p is < 0 or > 65535) throw new FormatException($"'{text}': '{port}' is not a port number (0-65535)");
        if (!IPAddress.TryParse(host, out var address))
        {
            var addresses = host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? [IPAddress.Loopback] : Dns.GetHostAddresses(host);
            address = addresses.FirstOrDefault() ?? throw new FormatException($"'{host}' does not resolve to an address");
        }
        return new IPEndPoint(address, p);
    }
}

internal static partial class PosixIds
{
    [System.Runtime.InteropServices.LibraryImport("libc")]
    internal static partial uint geteuid();
}
