using Switchboard.PolicyCheck.Network;
using Switchboard.PolicyCheck.Smt;

namespace Switchboard.PolicyCheck.Verification;

/// <summary>Checks one invariant of a network with a solver: one fresh query per invariant (4.4.2), on the whole
/// network or on a given slice. <see cref="NetworkVerifier"/> adds slicing, symmetry and parallelism.</summary>
public sealed class IsolationVerifier(ISolver solver, ModelCatalog? catalog = null)
{
    /// <summary>The network's own options (timeout, seed, re-seeds) as solver options.</summary>
    public static SolverOptions OptionsFor(NetworkDescription network) => new()
    {
        Timeout = network.Options.Timeout,
        Seed = network.Options.Seed,
        Reseeds = network.Options.Reseeds,
    };

    public async Task<InvariantResult> VerifyAsync(NetworkDescription network, InvariantSpec invariant, SolverOptions? options = null,
        CancellationToken cancellationToken = default, IReadOnlyCollection<string>? slice = null)
    {
        var encoding = NetworkEncoding.Create(network, invariant, slice, catalog);
        options ??= OptionsFor(network);
        // Short first attempts with fresh seeds (heavy tails), at least three of them, the last with the full limit;
        // a caller's short limit is taken as it is.
        options = options.Timeout < TimeSpan.FromSeconds(4) || options.FirstTimeout is not null
            ? options with { Z3AutoConfig = false }
            : options with { Z3AutoConfig = false, FirstTimeout = TimeSpan.FromSeconds(1.5), Reseeds = Math.Max(options.Reseeds, 3) };
        var result = await solver.CheckAsync(encoding.Script, options, cancellationToken);
        return result.Status switch
        {
            SolverStatus.Unsat => new InvariantResult(invariant, Verdict.Holds, null, result) { Slice = encoding.Nodes },
            SolverStatus.Sat => new InvariantResult(invariant, Verdict.Violated,
                result.Model is { } model ? encoding.ReadTrace(model) : new CounterexampleTrace([], [], "the solver gave no model"), result) { Slice = encoding.Nodes },
            _ => new InvariantResult(invariant, Verdict.Unknown, null, result) { Slice = encoding.Nodes },
        };
    }
}
