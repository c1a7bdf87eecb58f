using Switchboard.PolicyCheck.Network;
using Switchboard.PolicyCheck.Smt;

namespace Switchboard.PolicyCheck.Verification;

/// <summary>
/// Verifies every invariant of a network: each on its slice (<see cref="Slicer"/>, unless slicing is off), one per
/// symmetry group (<see cref="Symmetry"/>'s policy classes, then slices with equal <see cref="SliceSignature"/>s; unless
/// symmetry is off), one fresh solver query per group, queries in parallel. An invariant the encoding cannot handle is unknown with the reason, never holds.
/// </summary>
public sealed class NetworkVerifier(ISolver solver, ModelCatalog? catalog = null)
{
    /// <summary>Where the last <see cref="VerifyAllAsync"/> spent its time (for benchmarks).</summary>
    public VerificationStats Stats { get; private set; } = new();

    /// <summary>Queries run at once (default: one per core).</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    public async Task<IReadOnlyList<InvariantResult>> VerifyAllAsync(NetworkDescription network, IReadOnlyList<InvariantSpec>? invariants = null,
        SolverOptions? options = null, bool? slicing = null, bool? symmetry = null, CancellationToken cancellationToken = default)
    {
        invariants ??= network.Invariants;
        options ??= IsolationVerifier.OptionsFor(network);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        _ = network.Transfer;
        var slicer = new Slicer(network, catalog);
        bool useSlices = slicing ?? network.Options.Slicing;
        IReadOnlyList<IReadOnlyList<InvariantSpec>> groups = (symmetry ?? network.Options.Symmetry)
            ? Symmetry.Group(invariants, slicer.Classes)
            : invariants.Select(i => (IReadOnlyList<InvariantSpec>)[i]).ToList();

        // Slices first (on all cores; the slicer's caches are concurrent), then the queries in parallel.
        var sliceArray = new Slice[groups.Count];
        Parallel.For(0, groups.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Parallelism) },
            i => sliceArray[i] = useSlices ? slicer.Compute(groups[i][0]) : slicer.Whole());
        var slices = sliceArray.ToList();
        var sliced = clock.Elapsed;
        // Second stage on slices only: a whole-network signature costs as much as the network is large.
        if ((symmetry ?? network.Options.Symmetry) && useSlices) (groups, slices) = MergeIsomorphicSlices(network, groups, slices);
        var grouped = clock.Elapsed;
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
        Stats = new VerificationStats
        {
            Invariants = invariants.Count,
            Queries = groups.Count,
            Slicing = sliced,
            Symmetry = grouped - sliced,
            Solving = clock.Elapsed - grouped,
            QueryTimes = representatives.Select(r => r.Elapsed).ToList(),
        };

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

    // Second symmetry stage: representatives whose slices have the same signature (the same query up to renaming hosts
    // and addresses, see SliceSignature) are one group; the first in file order stays the representative.
    private (List<IReadOnlyList<InvariantSpec>>, List<Slice>) MergeIsomorphicSlices(NetworkDescription network,
        IReadOnlyList<IReadOnlyList<InvariantSpec>> groups, List<Slice> slices)
    {
        var signature = new SliceSignature(network, catalog ?? ModelCatalog.Library);
        var keys = new string[groups.Count];
        Parallel.For(0, groups.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Parallelism) },
            i => keys[i] = signature.Of(groups[i][0], slices[i]));
        var byKey = new Dictionary<string, int>(StringComparer.Ordinal);
        var merged = new List<List<InvariantSpec>>();
        var mergedSlices = new List<Slice>();
        for (int i = 0; i < groups.Count; i++)
        {
            if (!byKey.TryGetValue(keys[i], out var g))
            {
                byKey[keys[i]] = g = merged.Count;
                merged.Add([]);
                mergedSlices.Add(slices[i]);
            }
            merged[g].AddRange(groups[i]);
        }
        return (merged.Select(m => (IReadOnlyList<InvariantSpec>)m).ToList(), mergedSlices);
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

/// <summary>Where <see cref="NetworkVerifier.VerifyAllAsync"/> spent its time: slicing every invariant (first symmetry
/// stage included), grouping slices by signature, and the queries (encoding + solving, in parallel; wall clock).</summary>
public sealed record VerificationStats
{
    public int Invariants { get; init; }
    /// <summary>Solver queries after symmetry (one per group).</summary>
    public int Queries { get; init; }
    public TimeSpan Slicing { get; init; }
    public TimeSpan Symmetry { get; init; }
    public TimeSpan Solving { get; init; }
    /// <summary>Each query's own time (encoding excluded; solver attempts summed).</summary>
    public IReadOnlyList<TimeSpan> QueryTimes { get; init; } = [];
}
