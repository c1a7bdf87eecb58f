using System.Security.Cryptography;
using Grpc.Core;
using Switchboard.Control.V1;
using Switchboard.Host.Verification;
using static Switchboard.Host.Control.Services.ProtoMapping;

namespace Switchboard.Host.Control.Services;

/// <summary>VerificationService: the IL verifier (Host/Verification) over an uploaded assembly or a file on the
/// switch's machine, and the verdict on every plugin the host has.</summary>
internal sealed class VerificationApi(SwitchState state) : VerificationService.VerificationServiceBase
{
    private static readonly Lazy<string> s_policySha256 = new(() =>
    {
        using var s = typeof(VerifierPolicy).Assembly.GetManifestResourceStream("Switchboard.Host.Verification.plugin-policy.txt");
        return s is null ? "" : Convert.ToHexStringLower(SHA256.HashData(s));
    });

    public override async Task<VerifyResponse> Verify(VerifyRequest request, ServerCallContext context)
    {
        (byte[] bytes, string source) = request.AssemblyCase switch
        {
            VerifyRequest.AssemblyOneofCase.Content when request.Content.Length > 0 =>
                (request.Content.ToByteArray(), request.FileName.Length > 0 ? request.FileName : "uploaded assembly"),
            VerifyRequest.AssemblyOneofCase.Path when request.Path.Length > 0 => (await ReadAssembly(request.Path, context.CancellationToken), request.Path),
            _ => throw Invalid("assembly is required: a path on the switch's machine, or the assembly's content"),
        };
        // The verifier is CPU-bound (tens of ms): off the I/O thread, at normal priority below the workers.
        var result = await Task.Run(() => PluginVerifier.Verify(bytes), context.CancellationToken);
        return ToProto(result, source);
    }

    public override Task<VerificationStatus> GetStatus(GetVerificationStatusRequest request, ServerCallContext context)
    {
        var status = new VerificationStatus
        {
            PolicySource = "plugin-policy.txt (embedded in the host; a copy is next to the binary)",
            PolicySha256 = s_policySha256.Value,
            SignatureRequired = state.Operations.SignatureRequired,
        };
        foreach (var p in state.Operations.ListPlugins())
        {
            var pv = new PluginVerification { PluginId = p.Id };
            if (p.Verification is { } v) pv.Result = ToProto(v, p.Source);
            status.Plugins.Add(pv);
        }
        return Task.FromResult(status);
    }

    private static async Task<byte[]> ReadAssembly(string path, CancellationToken cancel)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw NotFound($"{path}: no such file on the switch's machine");
            if (info.Length > BuiltInPlugins.MaxAssemblyBytes) throw Invalid($"{path}: {info.Length} bytes is more than an assembly may have");
            return await File.ReadAllBytesAsync(path, cancel);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"{path}: cannot be read: {e.Message}"));
        }
    }
}
