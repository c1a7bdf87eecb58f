using Switchboard.PolicyCheck.Network;
using Switchboard.PolicyCheck.Smt;

namespace Switchboard.PolicyCheck.Verification;

/// <summary>
/// Verifies every invariant of a network: each on its slice (<see cref="Slicer"/>, unless slicing is off), one per
/// symmetry group (<see cref="Symmetry"/>, unless symmetry is off), one fresh solver query per invariant, queries in
/// parallel. An invariant the encoding cannot handle is unknown with the reason, never holds.
/// </summary>
public sealed class NetworkVerifier(ISolver solver, ModelCatalog? catalog = null)
{
    /// <summary>Queries run at once (default: one per core).</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    public async Task<IReadOnlyList<InvariantResult>> VerifyAllAsync(NetworkDescription network, IReadOnlyList<InvariantSpec>? invariants = null,
        SolverOptions? options = null, bool? slicing = null, bool? symmetry = null, CancellationToken cancellationToken = default)
    {
        invariants ??= network.Invariants;
        options ??= IsolationVerifier.OptionsFor(network);
        var slicer = new Slicer(network, catalog);
        bool useSlices = slicing ?? network.Options.Slicing;
        var groups = (symmetry ?? network.Options.Symmetry)
            ? Symmetry.Group(invariants, slicer.Classes)
            : invariants.Select(i => (IReadOnlyList<InvariantSpec>)[i]).ToList();

        // Slices first, on this thread (the slicer caches); then the queries in parallel.
        _ = network.Transfer;
        var slices = groups.Select(g => useSlices ? slicer.Compute(g[0]) : slicer.Whole()).ToList();
        using var gate = new SemaphoreSlim(Math.Max(1, Parallelism));
        var verifier = new IsolationVerifier(solver, catalog);
        var tasks = groups.Select(async (group, i) =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                return await VerifyOne(network, group[0], slices[i], verifier, options, cancellationToken);
            }
            finally { gate.Release(); }
        }).ToList();
        var representatives = await Task.WhenAll(tasks);

        var results = new Dictionary<InvariantSpec, InvariantResult>(ReferenceEqualityComparer.Instance);
        for (int g = 0; g < groups.Count; g++)
        {
            var rep = representatives[g];
            results[groups[g][0]] = rep;
            foreach (var other in groups[g].Skip(1))
                results[other] = rep with { Invariant = other, SymmetricTo = rep.Invariant.Name };
        }
        return invariants.Select(i => results[i]).ToList();
    }

    /// <summary>One invariant on one slice.</summary>
    public static async Task<InvariantResult> VerifyOne(NetworkDescription network, InvariantSpec invariant, Slice slice, IsolationVerifier verifier,
        SolverOptions options, CancellationToken cancellationToken)
    {
        try
        {
            var result = await verifier.VerifyAsync(network, invariant, options, cancellationToken, slice.Whole ? null : slice.Nodes);
            return result with { SliceInfo = slice };
        }
        catch (EncodingException e)
        {
            var unknown = new SolverResult { Status = SolverStatus.Unknown, Reason = UnknownReason.SolverError, Detail = e.Message, Solver = "encoder" };
            return new InvariantResult(invariant, Verdict.Unknown, null, unknown) { Slice = slice.Nodes, SliceInfo = slice, Error = e.Message };
        }
    }
}
