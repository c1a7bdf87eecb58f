using Grpc.Core;
using Switchboard.Control.V1;
using Switchboard.Host.Config;
using static Switchboard.Host.Control.Services.ProtoMapping;

namespace Switchboard.Host.Control.Services;

/// <summary>ChainService: lists the running chains and NF instances; changes are checked against the running
/// switch (ports, instances, types) and then handed to <see cref="IPluginOperations"/>.</summary>
internal sealed class ChainApi(SwitchState state) : ChainService.ChainServiceBase
{
    public override Task<ListChainsResponse> List(ListChainsRequest request, ServerCallContext context)
    {
        var response = new ListChainsResponse();
        response.Chains.AddRange(state.Chains.Select(c => ToProto(Definition(c))));
        return Task.FromResult(response);
    }

    public override Task<ListNfInstancesResponse> ListNfInstances(ListNfInstancesRequest request, ServerCallContext context)
    {
        var response = new ListNfInstancesResponse();
        foreach (var (name, spec) in state.NfSpecs.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var info = new NfInstanceInfo { Name = name, Type = spec.Type, ConfigJson = CompactJson(spec.Config) };
            info.Chains.AddRange(state.Chains.Where(c => c.Through.Contains(name)).Select(c => c.Name));
            info.Cores.AddRange(state.Dataplane.Nfs.Where(n => n.Name == name).Select(n => n.Core).Distinct().Order());
            response.Instances.Add(info);
        }
        return Task.FromResult(response);
    }

    public override async Task<CreateChainResponse> Create(CreateChainRequest request, ServerCallContext context)
    {
        string name = Required(request.Name, "name");
        if (state.Chains.Any(c => c.Name == name)) throw AlreadyExists($"a chain named '{name}' exists already");
        string from = KnownPort(request.From, "from"), to = KnownPort(request.To, "to");
        var created = new List<NfDefinition>();
        foreach (var (spec, i) in request.NewInstances.Select((s, i) => (s, i)))
        {
            var def = NewInstance(spec, $"new_instances[{i}]");
            if (created.Any(c => c.Name == def.Name)) throw Invalid($"new_instances[{i}]: '{def.Name}' is defined twice");
            created.Add(def);
        }
        if (request.Through.GroupBy(nf => nf).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw Invalid($"through: '{twice.Key}' is listed twice; a chain passes through an NF instance once");
        foreach (var nf in request.Through)
            if (!state.NfSpecs.ContainsKey(nf) && created.All(c => c.Name != nf))
                throw NotFound($"through: no NF instance '{nf}' (define it in new_instances, or use one of: {Instances()})");
        var chain = new ChainDefinition(name, from, request.Through.ToList(), to);
        var r = await Call(() => state.Operations.CreateChainAsync(chain, created, context.CancellationToken));
        state.Log($"control: created chain {r.Chain.Name}; {r.Detail}");
        return new CreateChainResponse { Chain = ToProto(r.Chain), Detail = r.Detail };
    }

    public override async Task<DeleteChainResponse> Delete(DeleteChainRequest request, ServerCallContext context)
    {
        var chain = KnownChain(request.Name, "name");
        var r = await Call(() => state.Operations.DeleteChainAsync(chain.Name, context.CancellationToken));
        state.Log($"control: deleted chain {chain.Name}; {r.Detail}");
        return new DeleteChainResponse { Name = chain.Name, Detail = r.Detail };
    }

    public override async Task<InsertNfResponse> InsertNf(InsertNfRequest request, ServerCallContext context)
    {
        var chain = KnownChain(request.Chain, "chain");
        string? existing = null;
        NfDefinition? created = null;
        switch (request.NfCase)
        {
            case InsertNfRequest.NfOneofCase.Instance:
                existing = Required(request.Instance, "instance");
                if (!state.NfSpecs.ContainsKey(existing)) throw NotFound($"no NF instance '{existing}' (instances: {Instances()}); to add a new one, send new_instance");
                break;
            case InsertNfRequest.NfOneofCase.NewInstance:
                created = NewInstance(request.NewInstance, "new_instance");
                break;
            default:
                throw Invalid("nf is required: instance (an existing NF instance) or new_instance");
        }
        string nf = existing ?? created!.Name;
        if (chain.Through.Contains(nf)) throw new RpcException(new Status(StatusCode.FailedPrecondition, $"chain '{chain.Name}' already passes through '{nf}'"));
        int position = request.Position < 0 || request.Position > chain.Through.Count ? chain.Through.Count : request.Position;
        var r = await Call(() => state.Operations.InsertNfAsync(chain.Name, existing, created, position, context.CancellationToken));
        state.Log($"control: inserted {nf} into chain {chain.Name} at {position}; {r.Detail}");
        return new InsertNfResponse { Chain = ToProto(r.Chain), Detail = r.Detail };
    }

    public override async Task<RemoveNfResponse> RemoveNf(RemoveNfRequest request, ServerCallContext context)
    {
        var chain = KnownChain(request.Chain, "chain");
        string nf = Required(request.Instance, "instance");
        if (!chain.Through.Contains(nf))
            throw NotFound($"chain '{chain.Name}' does not pass through '{nf}' (it passes through: {(chain.Through.Count == 0 ? "nothing" : string.Join(", ", chain.Through))})");
        var r = await Call(() => state.Operations.RemoveNfAsync(chain.Name, nf, context.CancellationToken));
        state.Log($"control: removed {nf} from chain {chain.Name}; {r.Detail}");
        return new RemoveNfResponse { Chain = ToProto(r.Chain), Detail = r.Detail };
    }

    private static string CompactJson(System.Text.Json.JsonElement e) =>
        e.ValueKind == System.Text.Json.JsonValueKind.Undefined ? "{}" : System.Text.Json.JsonSerializer.Serialize(e);

    private static ChainDefinition Definition(ChainSpec c) => new(c.Name, c.From, c.Through, c.To);

    private ChainSpec KnownChain(string name, string field)
    {
        Required(name, field);
        return state.Chains.FirstOrDefault(c => c.Name == name)
            ?? throw NotFound($"no chain '{name}' (chains: {string.Join(", ", state.Chains.Select(c => c.Name))})");
    }

    private string KnownPort(string name, string field)
    {
        Required(name, field);
        return state.Dataplane.Ports.ContainsKey(name) ? name
            : throw NotFound($"{field}: no port '{name}' (ports: {string.Join(", ", state.Dataplane.Ports.Keys.Order(StringComparer.Ordinal))})");
    }

    private NfDefinition NewInstance(NfInstanceSpec? spec, string field)
    {
        if (spec is null) throw Invalid($"{field} is required");
        string name = Required(spec.Name, field + ".name"), type = Required(spec.Type, field + ".type");
        if (state.NfSpecs.ContainsKey(name)) throw AlreadyExists($"{field}.name: an NF instance named '{name}' exists already");
        if (!state.Registry.Names.Contains(type))
            throw NotFound($"{field}.type: no NF type '{type}' (types: {string.Join(", ", state.Registry.Types.Select(t => t.Name))})");
        return new NfDefinition(name, type, ParseConfig(spec.ConfigJson, field + ".config_json"));
    }

    private string Instances() => string.Join(", ", state.NfSpecs.Keys.Order(StringComparer.Ordinal));
}
