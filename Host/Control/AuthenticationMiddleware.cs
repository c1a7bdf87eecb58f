using System.Globalization;
using System.Net.Sockets;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace Switchboard.Host.Control;

/// <summary>
/// The first thing every HTTP/2 request meets, before routing and before its body is read: without the
/// switch's bearer token it ends as a gRPC <see cref="StatusCode.Unauthenticated"/> (logged with the path
/// and the caller's address), so an unauthenticated caller cannot make the server read or parse a large
/// message, and no path, known or not, answers without the token. <see cref="BearerTokenInterceptor"/>
/// checks again inside gRPC.
/// </summary>
internal sealed class AuthenticationMiddleware(ControlAuth auth, SwitchStateHolder holder, RefusalLog refusals)
{
    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var state = holder.State;
        if (state is null) return GrpcError(context, StatusCode.Unavailable, "the switch is starting; try again in a moment");
        string? problem = auth.Check(context.Request.Headers.Authorization);
        if (problem is null) return next(context);
        refusals.Refused(state, context.Request.Path, Peer(context), problem);
        return GrpcError(context, StatusCode.Unauthenticated, ControlAuth.Advice(problem));
    }

    /// <summary>The caller as gRPC names peers: "ipv4:127.0.0.1:5000", "ipv6:[::1]:5000".</summary>
    public static string Peer(HttpContext context)
    {
        var ip = context.Connection.RemoteIpAddress;
        if (ip is null) return "unknown";
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        string port = context.Connection.RemotePort.ToString(CultureInfo.InvariantCulture);
        return ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"ipv6:[{ip}]:{port}" : $"ipv4:{ip}:{port}";
    }

    // A trailers-carrying gRPC response with no message: what a gRPC client reads as that status.
    private static Task GrpcError(HttpContext context, StatusCode code, string message)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/grpc";
        context.Response.AppendTrailer("grpc-status", ((int)code).ToString(CultureInfo.InvariantCulture));
        context.Response.AppendTrailer("grpc-message", Uri.EscapeDataString(message));
        return Task.CompletedTask;
    }
}

/// <summary>Logs refused calls, at most <see cref="Burst"/> per <see cref="Window"/>, then how many were not logged,
/// so a caller hammering the port cannot flood the switch's log.</summary>
internal sealed class RefusalLog
{
    public const int Burst = 20;
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);
    private readonly Lock _lock = new();
    private DateTime _windowStart = DateTime.MinValue;
    private int _logged, _suppressed;

    public void Refused(SwitchState state, string path, string peer, string problem)
    {
        string? line = null, summary = null;
        lock (_lock)
        {
            var now = DateTime.UtcNow;
            if (now - _windowStart >= Window)
            {
                if (_suppressed > 0) summary = $"control: {_suppressed} more refused call(s) were not logged in the last {Window.TotalSeconds:F0} s";
                _windowStart = now;
                _logged = _suppressed = 0;
            }
            if (_logged < Burst) { _logged++; line = $"control: refused {path} from {peer}: {problem}"; }
            else _suppressed++;
        }
        if (summary is not null) state.Log(summary);
        if (line is not null) state.Log(line);
    }
}
