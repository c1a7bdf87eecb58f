using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Host.Config;
using Switchboard.Host.Runtime;
using Switchboard.PolicyCheck.Models;
using Switchboard.PolicyCheck.Verification;
using Switchboard.Sdk;

namespace Switchboard.Host.Activation;

/// <summary>
/// VMN's activation gate (thesis chapter 4): before a deployment starts, and before a hot insert or replace,
/// the operator's invariants (<c>"invariants"</c> in plugins.json) are checked over the network the switch would
/// then be: each port an end host in its own policy group, each chain a path from its port through its NF
/// instances to its port, each NF instance the model its plugin ships. A violated invariant refuses activation
/// with its counterexample; an undecided one refuses too unless the operator accepts unknown verdicts.
/// <para>A port's group has the prefixes the port declares (<c>"prefixes"</c> in plugins.json), else a synthetic
/// <c>10.{k/256}.{k%256}.0/24</c> (k = the port's index in name order). An NF whose model takes configuration parameters
/// gets them from its plugin (<see cref="IModelConfig"/>, called on a fresh instance); one that does not implement it, or
/// whose config it cannot express, makes every invariant unknown (never "holds"); so does a node that leaves towards one
/// port by different next hops in two chains, which routing by destination cannot model.</para>
/// </summary>
internal static class ActivationGate
{
    /// <summary>The outcome: <see cref="Allowed"/>, and one line per invariant plus the refusal reasons.</summary>
    public sealed record Outcome(bool Allowed, IReadOnlyList<string> Lines);

    public static Outcome Check(IReadOnlyDictionary<string, PortSpec> ports, IReadOnlyList<ChainSpec> chains,
        IReadOnlyDictionary<string, NfSpec> nfs, IReadOnlyList<InvariantSpec> invariants, NfRegistry registry,
        bool acceptUnknown, CancellationToken cancel = default) =>
        Check(ports, chains, nfs, invariants, spec => registry.ModelOf(spec.Type), acceptUnknown, cancel, ConfiguratorOf(registry));

    /// <summary>Creates a fresh instance of the NF's type and returns it when it translates its config for its model.</summary>
    public static Func<NfSpec, IModelConfig?> ConfiguratorOf(NfRegistry registry) =>
        spec => registry.Names.Contains(spec.Type) ? registry.Create(spec.Type) as IModelConfig : null;

    /// <param name="modelOf">The model file (name, text) of an NF instance; a hot replace passes the incoming plugin's.</param>
    /// <param name="configuratorOf">The NF instance that translates its config into its model's parameters (null: none do).</param>
    public static Outcome Check(IReadOnlyDictionary<string, PortSpec> ports, IReadOnlyList<ChainSpec> chains,
        IReadOnlyDictionary<string, NfSpec> nfs, IReadOnlyList<InvariantSpec> invariants, Func<NfSpec, (string File, string Text)?> modelOf,
        bool acceptUnknown, CancellationToken cancel = default, Func<NfSpec, IModelConfig?>? configuratorOf = null)
    {
        if (invariants.Count == 0) return new Outcome(true, []);
        var blockers = new List<string>();
        var builder = new NetworkBuilder();
        var catalog = ModelCatalog.Library;
        int k = 0;
        foreach (var name in ports.Keys.Order(StringComparer.Ordinal))
        {
            string[] prefixes = ports[name].Prefixes.Count > 0 ? [.. ports[name].Prefixes] : [$"10.{k / 256}.{k % 256}.0/24"];
            builder.Group("net-" + name, prefixes).Host(name, "net-" + name);
            k++;
        }
        foreach (var (name, spec) in nfs.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var model = ModelFor(spec, modelOf, configuratorOf, ref catalog, out var config, out var problem);
            if (model is null) { blockers.Add(problem!); continue; }
            builder.Function(name, model, config?.Parameters, [.. config?.Addresses ?? []]);
        }
        if (AmbiguousRoute(chains) is { } ambiguous) blockers.Add(ambiguous);
        foreach (var chain in chains) builder.Chain(chain.From, chain.Through, chain.To);
        foreach (var inv in invariants)
            builder.Invariant(inv.Name, inv.Kind, inv.From, inv.To, inv.Through.Count > 0 ? inv.Through : null, expect: inv.Expect,
                stages: inv.Stages.Count > 0 ? inv.Stages : null);

        if (blockers.Count > 0)
        {
            var lines = invariants.Select(i => $"invariant {i.Name}: unknown (not checked)").Concat(blockers).ToList();
            return new Outcome(acceptUnknown, acceptUnknown ? [.. lines, "WARNING: accepting unchecked invariants (--accept-unknown)"] : lines);
        }
        var decision = PolicyGate.CheckAsync(builder, catalog, acceptUnknown: acceptUnknown, cancellationToken: cancel).GetAwaiter().GetResult();
        var result = decision.Results.Select(r => $"invariant {r}").ToList();
        if (!decision.Allowed || decision.Results.Count == 0) result.Add(decision.Message);
        return new Outcome(decision.Allowed, result);
    }

    /// <summary>The model class of an NF instance, its plugin's model file added to <paramref name="catalog"/>.</summary>
    private static string? ModelFor(NfSpec spec, Func<NfSpec, (string File, string Text)?> modelOf, Func<NfSpec, IModelConfig?>? configuratorOf,
        ref ModelCatalog catalog, out (JsonNode Parameters, IReadOnlyList<string> Addresses)? config, out string? problem)
    {
        problem = null;
        config = null;
        if (modelOf(spec) is not { } file)
        {
            problem = $"NF '{spec.Name}' ({spec.Type}) ships no VMN model, so nothing can be proved about it";
            return null;
        }
        var parsed = ModelLibrary.ParseWithLibrary(file.Text, file.File);
        if (!parsed.Succeeded)
        {
            problem = $"NF '{spec.Name}' ({spec.Type}): its model does not check: {string.Join("; ", parsed.Errors)}";
            return null;
        }
        var library = ModelLibrary.Names.ToHashSet(StringComparer.Ordinal);
        var own = parsed.Models.Where(m => !library.Contains(m.Name)).ToList();
        var configuration = own.Any(m => m.Parameters.Count > 0) ? Translate(spec, configuratorOf, out problem) : null;
        if (problem is not null) return null;
        if (configuration is not null)
        {
            var chosen = own.FirstOrDefault(m => m.Name == configuration.Model);
            if (chosen is null)
            {
                problem = $"NF '{spec.Name}' ({spec.Type}): its plugin configures model {configuration.Model}, which {file.File} does not declare";
                return null;
            }
            JsonNode? parameters;
            try { parameters = JsonNode.Parse(configuration.ParametersJson) as JsonObject; }
            catch (JsonException) { parameters = null; }
            if (parameters is null)
            {
                problem = $"NF '{spec.Name}' ({spec.Type}): its plugin's model configuration is not a JSON object";
                return null;
            }
            config = (parameters, configuration.Addresses);
            catalog = catalog.With(parsed);
            return chosen.Name;
        }
        if (own.Count != 1)
        {
            problem = $"NF '{spec.Name}' ({spec.Type}): its model file {file.File} declares {own.Count} models; the gate needs exactly one";
            return null;
        }
        var model = own[0];
        if (model.Parameters.Count > 0)
        {
            problem = $"NF '{spec.Name}' ({spec.Type}): model {model.Name} takes configuration ({string.Join(", ", model.Parameters.Select(p => p.Name))}) " +
                      "that the host cannot derive from its plugins.json config yet";
            return null;
        }
        catalog = catalog.With(parsed);
        return model.Name;
    }

    /// <summary>The gate's network routes each chain by its destination port, so two chains that leave the same node
    /// towards the same port by different next hops cannot both be modelled (the model would send one chain's packets
    /// down the other's path); such a network is not checked. Null when every (node, destination) has one next hop.</summary>
    private static string? AmbiguousRoute(IReadOnlyList<ChainSpec> chains)
    {
        var next = new Dictionary<(string Node, string To), (string Next, string Chain)>();
        foreach (var chain in chains)
        {
            var hops = new List<string> { chain.From };
            hops.AddRange(chain.Through);
            for (int i = 0; i < hops.Count; i++)
            {
                string hop = i + 1 < hops.Count ? hops[i + 1] : chain.To;
                if (next.TryGetValue((hops[i], chain.To), out var seen) && seen.Next != hop)
                    return $"'{hops[i]}' forwards towards port '{chain.To}' to '{seen.Next}' in chain {seen.Chain} but to '{hop}' in chain {chain.Name}; " +
                           "the gate's network routes by destination port and cannot model both";
                next.TryAdd((hops[i], chain.To), (hop, chain.Name));
            }
        }
        return null;
    }

    /// <summary>The NF's own translation of its plugins.json config; null with no problem when it has none.</summary>
    private static ModelConfiguration? Translate(NfSpec spec, Func<NfSpec, IModelConfig?>? configuratorOf, out string? problem)
    {
        problem = null;
        IModelConfig? configurator;
        try { configurator = configuratorOf?.Invoke(spec); }
        catch (Exception e) { problem = $"NF '{spec.Name}' ({spec.Type}): could not create an instance to translate its config: {e.Message}"; return null; }
        if (configurator is null) return null;
        try
        {
            var config = new NfConfig(spec.Config, spec.Path + ".config");
            var result = configurator.ModelConfig(config);
            if (result is null) problem = $"NF '{spec.Name}' ({spec.Type}): its plugin cannot express this config in its model soundly";
            return result;
        }
        catch (Exception e) { problem = $"NF '{spec.Name}' ({spec.Type}): translating its config for its model failed: {e.Message}"; return null; }
    }
}
