using Switchboard.PolicyCheck.Network;
using Switchboard.PolicyCheck.Smt;

namespace Switchboard.PolicyCheck.Verification;

/// <summary>The gate's answer: whether activation may proceed, every invariant's result, and a message for the operator
/// (every failed or unknown invariant with its counterexample).</summary>
public sealed record GateDecision(bool Allowed, IReadOnlyList<InvariantResult> Results, string Message)
{
    public IEnumerable<InvariantResult> Violated => Results.Where(r => r.Verdict == Verdict.Violated);
    public IEnumerable<InvariantResult> Unknown => Results.Where(r => r.Verdict == Verdict.Unknown);
}

/// <summary>
/// The API for an activation gate: check a network's invariants and decide. Activation is allowed only when every
/// invariant holds — or, when the invariant says <c>expect: violated</c>, is violated as expected; an unknown verdict
/// refuses unless <paramref name="acceptUnknown"/> (the operator's loud override), and a network that does not load or
/// encode refuses with the reason.
/// </summary>
public static class PolicyGate
{
    public static async Task<GateDecision> CheckAsync(NetworkDescription network, ModelCatalog? catalog = null, ISolver? solver = null,
        bool acceptUnknown = false, SolverOptions? options = null, CancellationToken cancellationToken = default)
    {
        // A solver made here is ended here (a pooled z3's processes would otherwise idle on after the check).
        var own = solver is null ? Solvers.Create(network.Options.Solver) : null;
        IReadOnlyList<InvariantResult> results;
        try
        {
            results = await new NetworkVerifier(solver ?? own!, catalog).VerifyAllAsync(network, options: options, cancellationToken: cancellationToken);
        }
        finally
        {
            (own as IDisposable)?.Dispose();
        }
        bool Good(InvariantResult r) => r.Verdict == Verdict.Unknown ? acceptUnknown : r.MeetsExpectation ?? r.Verdict == Verdict.Holds;
        var bad = results.Where(r => !Good(r)).ToList();
        var lines = new List<string>();
        foreach (var r in bad)
            lines.Add(r.Verdict == Verdict.Unknown
                ? $"invariant {r.Invariant.Name} could not be decided (refusing; accept unknown verdicts explicitly to override): {r}"
                : $"invariant {r.Invariant.Name} is {r.Verdict.ToString().ToLowerInvariant()}{(r.Invariant.Expect is { } e ? $" (expected {e})" : "")}: {r}");
        var unknownAccepted = results.Where(r => r.Verdict == Verdict.Unknown && acceptUnknown).ToList();
        foreach (var r in unknownAccepted)
            lines.Add($"WARNING: invariant {r.Invariant.Name} is UNKNOWN and was accepted by operator override: {r}");
        var message = bad.Count == 0
            ? $"all {results.Count} invariant(s) verified{(unknownAccepted.Count > 0 ? $" ({unknownAccepted.Count} unknown, accepted)" : "")}" + (lines.Count > 0 ? Environment.NewLine + string.Join(Environment.NewLine, lines) : "")
            : $"activation refused: {bad.Count} of {results.Count} invariant(s) failed" + Environment.NewLine + string.Join(Environment.NewLine, lines);
        return new GateDecision(bad.Count == 0, results, message);
    }

    /// <summary>Builds the network with <paramref name="builder"/> and checks it; a description that does not load refuses.</summary>
    public static async Task<GateDecision> CheckAsync(NetworkBuilder builder, ModelCatalog? catalog = null, ISolver? solver = null,
        bool acceptUnknown = false, SolverOptions? options = null, CancellationToken cancellationToken = default)
    {
        var loaded = builder.Build();
        if (!loaded.Ok) return new GateDecision(false, [], "activation refused: the network description is invalid:" + Environment.NewLine + loaded.FormatErrors());
        return await CheckAsync(loaded.Network!, catalog, solver, acceptUnknown, options, cancellationToken);
    }
}
