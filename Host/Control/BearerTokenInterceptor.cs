using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Switchboard.Host.Control;

/// <summary>
/// Runs before every control-plane method (after <see cref="AuthenticationMiddleware"/>, which already
/// refused calls without the token before reading them): the call must carry <c>authorization: Bearer &lt;token&gt;</c>
/// with the switch's token (constant-time comparison), or it ends with <see cref="StatusCode.Unauthenticated"/>
/// before the method runs, and the refusal is logged with the method and the caller's address.
/// Mutating calls that pass are logged too, as an audit trail.
/// </summary>
internal sealed class BearerTokenInterceptor(ControlAuth auth, SwitchStateHolder holder, RefusalLog refusals) : Interceptor
{
    private static readonly HashSet<string> s_mutating = new(StringComparer.Ordinal)
    {
        "Load", "Replace", "Unload", "Create", "Delete", "InsertNf", "RemoveNf",
    };

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(requestStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Authenticate(ServerCallContext context)
    {
        // Before a switch is attached no token file exists, so no caller can hold the token yet.
        var state = holder.State ?? throw SwitchStateHolder.NotYet();
        string? problem = auth.Check(context.RequestHeaders.GetValue("authorization"));
        if (problem is not null)
        {
            refusals.Refused(state, context.Method, context.Peer, problem);
            throw new RpcException(new Status(StatusCode.Unauthenticated, ControlAuth.Advice(problem)));
        }
        if (s_mutating.Contains(context.Method[(context.Method.LastIndexOf('/') + 1)..]))
            state.Log($"control: {context.Method} from {context.Peer}");
    }
}

/// <summary>The token a caller must present; only its SHA-256 digest is kept.</summary>
internal sealed class ControlAuth(string token)
{
    public static string Advice(string problem) => $"{problem}; send 'authorization: Bearer <token>' with the token from the switch's token file";

    private readonly byte[] _digest = TokenFile.Digest(token);

    /// <summary>Null when <paramref name="authorization"/> carries the token; otherwise what is wrong with it.</summary>
    public string? Check(string? authorization)
    {
        if (string.IsNullOrEmpty(authorization)) return "no authorization metadata";
        const string scheme = "Bearer ";
        if (!authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return "the authorization metadata is not a bearer token";
        return TokenFile.Matches(authorization[scheme.Length..].Trim(), _digest) ? null : "wrong token";
    }
}
