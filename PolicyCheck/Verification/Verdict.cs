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
    /// place. The verdict and the trace are that invariant's: the trace names its hosts, which this invariant's
    /// counterexample has in the same places (it is the same up to that renaming).</summary>
    public string? SymmetricTo { get; init; }

    /// <summary>How the slice was chosen (null when the caller gave none).</summary>
    public Slice? SliceInfo { get; init; }

    /// <summary>Why the invariant could not be encoded (then the verdict is unknown).</summary>
    public string? Error { get; init; }

    /// <summary>Whether the verdict is what the file's <c>expect</c> says; null when it says nothing.</summary>
    public bool? MeetsExpectation => Invariant.Expect switch
    {
        "holds" => Verdict == Verdict.Holds,
        "violated" => Verdict == Verdict.Violated,
        _ => null,
    };

    public override string ToString()
    {
        var head = $"{Invariant.Name}: {Verdict.ToString().ToLowerInvariant()} ({Elapsed.TotalMilliseconds:F0} ms, {Solver.Solver}";
        if (Slice.Count > 0) head += $", slice of {Slice.Count}";
        head += SymmetricTo is null ? ")" : $", symmetric to {SymmetricTo})";
        if (Error is not null) head += " — " + Error;
        else if (Verdict == Verdict.Unknown) head += $" — {Solver.Reason}{(Solver.Detail.Length > 0 ? ": " + Solver.Detail : "")}";
        if (Trace is null) return head;
        // A symmetric invariant's trace is its representative's: say so, or the reader takes its hosts for this one's.
        return head + Environment.NewLine + (SymmetricTo is null ? "" : $"  the counterexample of {SymmetricTo} (this one's is the same with its own hosts in their places):" + Environment.NewLine) + Trace;
    }
}
