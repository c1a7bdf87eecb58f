using Grpc.Core;
using Switchboard.Control.V1;
using static Switchboard.Host.Control.Services.ProtoMapping;

namespace Switchboard.Host.Control.Services;

/// <summary>PluginService: lists what the host has; load/replace/unload go through <see cref="IPluginOperations"/>
/// after the names in the request are checked against the running switch.</summary>
internal sealed class PluginApi(SwitchState state) : PluginService.PluginServiceBase
{
    public override Task<ListPluginsResponse> List(ListPluginsRequest request, ServerCallContext context)
    {
        var response = new ListPluginsResponse();
        response.Plugins.AddRange(state.Operations.ListPlugins().Select(ToProto));
        return Task.FromResult(response);
    }

    public override Task<ListNfTypesResponse> ListNfTypes(ListNfTypesRequest request, ServerCallContext context)
    {
        var owner = state.Operations.ListPlugins().SelectMany(p => p.NfTypes.Select(t => (Type: t, Plugin: p))).ToLookup(x => x.Type, x => x.Plugin);
        var response = new ListNfTypesResponse();
        foreach (var t in state.Registry.Types)
        {
            var plugin = owner[t.Name].FirstOrDefault();
            response.NfTypes.Add(new NfType
            {
                Name = t.Name, Description = t.Description, Assembly = t.Assembly, PluginId = plugin?.Id ?? "", PluginVersion = plugin?.Version ?? "",
                ConfigSchema = state.Operations.DeclaresConfigSchema(t.Name),
            });
        }
        return Task.FromResult(response);
    }

    public override async Task<LoadPluginResponse> Load(LoadPluginRequest request, ServerCallContext context)
    {
        var input = ToInput(request.Package, "package");
        var result = await Call(() => state.Operations.LoadPackageAsync(input, context.CancellationToken));
        state.Log($"control: loaded plugin {result.Plugin.Id} {result.Plugin.Version} from {input.DisplayName} (verify {result.VerifyTime.TotalMilliseconds:F1} ms, load {result.LoadTime.TotalMilliseconds:F1} ms)");
        var response = new LoadPluginResponse
        {
            Plugin = ToProto(result.Plugin), VerifyMs = result.VerifyTime.TotalMilliseconds, LoadMs = result.LoadTime.TotalMilliseconds,
        };
        response.Verification.AddRange(result.Verification.Select(v => ToProto(v.Result, v.Source)));
        return response;
    }

    public override async Task<ReplaceNfResponse> Replace(ReplaceNfRequest request, ServerCallContext context)
    {
        string instance = Required(request.Instance, "instance");
        if (!state.NfSpecs.ContainsKey(instance))
            throw NotFound($"no NF instance '{instance}' runs in this switch (instances: {string.Join(", ", state.NfSpecs.Keys.Order(StringComparer.Ordinal))})");
        var config = request.ConfigJson.Length > 0 ? ParseConfig(request.ConfigJson, "config_json") : (System.Text.Json.JsonElement?)null;
        Replacement replacement = request.ReplacementCase switch
        {
            ReplaceNfRequest.ReplacementOneofCase.NfType => new Replacement(KnownType(request.NfType), null, config),
            ReplaceNfRequest.ReplacementOneofCase.Package => new Replacement(null, ToInput(request.Package, "package"), config),
            _ => throw Invalid("replacement is required: nf_type (a type the host has) or package"),
        };
        var r = await Call(() => state.Operations.ReplaceAsync(instance, replacement, context.CancellationToken));
        state.Log($"control: replaced {r.Instance} ({r.OldType} -> {r.NewType}) on {r.Cores} core(s) in {r.SwapTime.TotalMilliseconds:F1} ms; {r.Detail}");
        return new ReplaceNfResponse
        {
            Instance = r.Instance, OldType = r.OldType, NewType = r.NewType, Cores = r.Cores,
            StateTransferred = r.StateTransferred, SwapMs = r.SwapTime.TotalMilliseconds, Detail = r.Detail,
        };
    }

    public override async Task<UnloadPluginResponse> Unload(UnloadPluginRequest request, ServerCallContext context)
    {
        string id = Required(request.PluginId, "plugin_id");
        var r = await Call(() => state.Operations.UnloadAsync(id, context.CancellationToken));
        state.Log($"control: unloaded plugin {r.PluginId} in {r.UnloadTime.TotalMilliseconds:F1} ms (collected: {r.Collected}); {r.Detail}");
        return new UnloadPluginResponse { PluginId = r.PluginId, Collected = r.Collected, UnloadMs = r.UnloadTime.TotalMilliseconds, Detail = r.Detail };
    }

    private string KnownType(string type)
    {
        Required(type, "nf_type");
        if (!state.Registry.Names.Contains(type))
            throw NotFound($"no NF type '{type}' (types: {string.Join(", ", state.Registry.Types.Select(t => t.Name))})");
        return type;
    }
}
