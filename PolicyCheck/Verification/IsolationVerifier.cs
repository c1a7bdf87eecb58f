using Switchboard.PolicyCheck.Network;
using Switchboard.PolicyCheck.Smt;

namespace Switchboard.PolicyCheck.Verification;

/// <summary>Checks invariants of a network with a solver: one fresh query per invariant (4.4.2).</summary>
public sealed class IsolationVerifier(ISolver solver)
{
    /// <summary>The network's own options (timeout, seed, re-seeds) as solver options.</summary>
    public static SolverOptions OptionsFor(NetworkDescription network) => new()
    {
        Timeout = network.Options.Timeout,
        Seed = network.Options.Seed,
        Reseeds = network.Options.Reseeds,
    };

    public async Task<InvariantResult> VerifyAsync(NetworkDescription network, InvariantSpec invariant, SolverOptions? options = null, CancellationToken cancellationToken = default)
    {
        var encoding = IsolationEncoding.Create(network, invariant);
        var result = await solver.CheckAsync(encoding.Script, options ?? OptionsFor(network), cancellationToken);
        return result.Status switch
        {
            SolverStatus.Unsat => new InvariantResult(invariant, Verdict.Holds, null, result),
            SolverStatus.Sat => new InvariantResult(invariant, Verdict.Violated,
                result.Model is { } model ? encoding.ReadTrace(model) : new CounterexampleTrace([], [], "the solver gave no model"), result),
            _ => new InvariantResult(invariant, Verdict.Unknown, null, result),
        };
    }
}
