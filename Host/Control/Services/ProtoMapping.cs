using System.Text.Json;
using Grpc.Core;
using Switchboard.Control.V1;
using Switchboard.Host.Verification;

namespace Switchboard.Host.Control.Services;

/// <summary>Host records to proto messages, and request fields to checked values (errors as gRPC statuses).</summary>
internal static class ProtoMapping
{
    public static VerifyResponse ToProto(VerificationResult r, string source)
    {
        var response = new VerifyResponse
        {
            Ok = r.Ok, Assembly = r.Assembly, MethodsChecked = r.MethodsChecked,
            ElapsedMs = r.Elapsed.TotalMilliseconds, Source = source,
        };
        foreach (var v in r.Violations)
        {
            var pv = new Switchboard.Control.V1.Violation { Assembly = v.Assembly, Type = v.Type ?? "", Method = v.Method ?? "", Rule = v.Rule, Message = v.Message };
            if (v.IlOffset is int off) pv.IlOffset = off;
            response.Violations.Add(pv);
        }
        return response;
    }

    public static PluginInfo ToProto(PluginRecord p)
    {
        var info = new PluginInfo
        {
            Id = p.Id, Version = p.Version, Vendor = p.Vendor, Assembly = p.Assembly, Source = p.Source, BuiltIn = p.BuiltIn,
            Signer = p.Signer ?? "",
            Verification = p.Verdict switch
            {
                PluginVerdict.Verified => VerificationState.Verified,
                PluginVerdict.Refused => VerificationState.Refused,
                _ => VerificationState.Unknown,
            },
        };
        info.NfTypes.AddRange(p.NfTypes);
        return info;
    }

    public static ChainInfo ToProto(ChainDefinition c)
    {
        var info = new ChainInfo { Name = c.Name, From = c.From, To = c.To };
        info.Through.AddRange(c.Through);
        return info;
    }

    public static PackageInput ToInput(PackageSource? source, string field)
    {
        if (source is null) throw Invalid($"{field} is required: a path on the switch's machine, or the package's content");
        return source.SourceCase switch
        {
            PackageSource.SourceOneofCase.Path when source.Path.Length > 0 => new PackageInput(source.Path, null, null),
            PackageSource.SourceOneofCase.Content when source.Content.Length > 0 =>
                new PackageInput(null, source.Content.Memory, source.FileName.Length > 0 ? source.FileName : "uploaded package"),
            _ => throw Invalid($"{field} needs a path or non-empty content"),
        };
    }

    /// <summary>A config given as JSON text; empty means an empty object.</summary>
    public static JsonElement ParseConfig(string json, string field)
    {
        if (string.IsNullOrWhiteSpace(json)) json = "{}";
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Invalid($"{field} must be a JSON object, got {doc.RootElement.ValueKind}");
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw Invalid($"{field} is not valid JSON: {e.Message}");
        }
    }

    public static string Required(string value, string field) =>
        string.IsNullOrWhiteSpace(value) ? throw Invalid($"{field} is required") : value;

    public static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
    public static RpcException NotFound(string message) => new(new Status(StatusCode.NotFound, message));
    public static RpcException AlreadyExists(string message) => new(new Status(StatusCode.AlreadyExists, message));

    /// <summary>Run a plugin operation; its <see cref="PluginOperationException"/> becomes the matching gRPC status.</summary>
    public static async Task<T> Call<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation();
        }
        catch (PluginOperationException e)
        {
            throw new RpcException(new Status(e.Error switch
            {
                PluginOperationError.InvalidArgument => StatusCode.InvalidArgument,
                PluginOperationError.NotFound => StatusCode.NotFound,
                PluginOperationError.AlreadyExists => StatusCode.AlreadyExists,
                PluginOperationError.FailedPrecondition => StatusCode.FailedPrecondition,
                PluginOperationError.Refused => StatusCode.PermissionDenied,
                _ => StatusCode.Unimplemented,
            }, e.Message));
        }
    }
}
