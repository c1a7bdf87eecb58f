using Switchboard.Host.Config;
using Switchboard.Host.Runtime;
using Switchboard.PolicyCheck.Models;
using Switchboard.PolicyCheck.Verification;

namespace Switchboard.Host.Activation;

/// <summary>
/// VMN's activation gate (thesis chapter 4): before a deployment starts, and before a hot insert or replace,
/// the operator's invariants (<c>"invariants"</c> in plugins.json) are checked over the network the switch would
/// then be: each port an end host in its own policy group, each chain a path from its port through its NF
/// instances to its port, each NF instance the model its plugin ships. A violated invariant refuses activation
/// with its counterexample; an undecided one refuses too unless the operator accepts unknown verdicts.
/// <para>An NF whose model takes configuration parameters needs its plugins.json config translated into them; the
/// host does not do that translation yet, so such an NF makes every invariant unknown (never "holds").</para>
/// </summary>
internal static class ActivationGate
{
    /// <summary>The outcome: <see cref="Allowed"/>, and one line per invariant plus the refusal reasons.</summary>
    public sealed record Outcome(bool Allowed, IReadOnlyList<string> Lines);

    public static Outcome Check(IReadOnlyDictionary<string, PortSpec> ports, IReadOnlyList<ChainSpec> chains,
        IReadOnlyDictionary<string, NfSpec> nfs, IReadOnlyList<InvariantSpec> invariants, NfRegistry registry,
        bool acceptUnknown, CancellationToken cancel = default) =>
        Check(ports, chains, nfs, invariants, spec => registry.ModelOf(spec.Type), acceptUnknown, cancel);

    /// <param name="modelOf">The model file (name, text) of an NF instance; a hot replace passes the incoming plugin's.</param>
    public static Outcome Check(IReadOnlyDictionary<string, PortSpec> ports, IReadOnlyList<ChainSpec> chains,
        IReadOnlyDictionary<string, NfSpec> nfs, IReadOnlyList<InvariantSpec> invariants, Func<NfSpec, (string File, string Text)?> modelOf,
        bool acceptUnknown, CancellationToken cancel = default)
    {
        if (invariants.Count == 0) return new Outcome(true, []);
        var blockers = new List<string>();
        var builder = new NetworkBuilder();
        var catalog = ModelCatalog.Library;
        int k = 0;
        foreach (var name in ports.Keys.Order(StringComparer.Ordinal))
        {
            builder.Group("net-" + name, $"10.{k / 256}.{k % 256}.0/24").Host(name, "net-" + name);
            k++;
        }
        foreach (var (name, spec) in nfs.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var model = ModelFor(spec, modelOf, ref catalog, out var problem);
            if (model is null) { blockers.Add(problem!); continue; }
            builder.Function(name, model);
        }
        foreach (var chain in chains) builder.Chain(chain.From, chain.Through, chain.To);
        foreach (var inv in invariants) builder.Invariant(inv.Name, inv.Kind, inv.From, inv.To, inv.Through.Count > 0 ? inv.Through : null, expect: inv.Expect);

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
    private static string? ModelFor(NfSpec spec, Func<NfSpec, (string File, string Text)?> modelOf, ref ModelCatalog catalog, out string? problem)
    {
        problem = null;
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
        catalog = catalog.WithModelFile(file.Text, file.File);
        return model.Name;
    }
}
