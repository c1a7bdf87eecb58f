using Switchboard.PolicyCheck.Network;
using Switchboard.PolicyCheck.Smt;

namespace Switchboard.PolicyCheck.Verification;

/// <summary>Holds: the solver proved the negated invariant unsatisfiable. Violated: it found a counterexample.
/// Unknown: anything else (time-out, give-up, solver trouble) — never taken for holds.</summary>
public enum Verdict { Holds, Violated, Unknown }

/// <summary>One invariant's outcome, with the counterexample trace when violated.</summary>
public sealed record InvariantResult(InvariantSpec Invariant, Verdict Verdict, CounterexampleTrace? Trace, SolverResult Solver)
{
    public TimeSpan Elapsed => Solver.Elapsed;

    /// <summary>The endpoints the query contained (the slice, or every endpoint without slicing).</summary>
    public IReadOnlyList<string> Slice { get; init; } = [];

    /// <summary>When symmetry was used: the invariant whose slice is isomorphic to this one's and was verified in its
    /// place (the verdict is that invariant's; the trace is renamed to this one's nodes where possible).</summary>
    public string? SymmetricTo { get; init; }

    /// <summary>Whether the verdict is what the file's <c>expect</c> says; null when it says nothing.</summary>
    public bool? MeetsExpectation => Invariant.Expect switch
    {
        "holds" => Verdict == Verdict.Holds,
        "violated" => Verdict == Verdict.Violated,
        _ => null,
    };

    public override string ToString()
    {
        var head = $"{Invariant.Name}: {Verdict.ToString().ToLowerInvariant()} ({Elapsed.TotalMilliseconds:F0} ms, {Solver.Solver})";
        if (Verdict == Verdict.Unknown) head += $" — {Solver.Reason}{(Solver.Detail.Length > 0 ? ": " + Solver.Detail : "")}";
        return Trace is null ? head : head + Environment.NewLine + Trace;
    }
}
