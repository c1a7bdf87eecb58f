namespace Switchboard.PolicyCheck.Smt;

public enum SolverStatus { Sat, Unsat, Unknown }

/// <summary>Why a query ended undecided.</summary>
public enum UnknownReason
{
    None,
    /// <summary>The time limit passed (the solver said so, or was killed).</summary>
    Timeout,
    /// <summary>The solver gave up (incomplete for the formula, resource limit other than time).</summary>
    Incomplete,
    /// <summary>The solver rejected the script or printed an error.</summary>
    SolverError,
    /// <summary>The process died or spoke nonsense.</summary>
    Crashed,
    /// <summary>The caller (or a portfolio that got its answer elsewhere) cancelled the query.</summary>
    Cancelled,
}

/// <summary>The outcome of one query: the status, and on sat the model and observed values, on unsat the core.</summary>
public sealed record SolverResult
{
    public required SolverStatus Status { get; init; }
    public UnknownReason Reason { get; init; }

    /// <summary>The solver's own words: its reason-unknown, error messages, or what went wrong.</summary>
    public string Detail { get; init; } = "";

    /// <summary>The backend that produced the answer (<c>z3</c>, <c>cvc5</c>).</summary>
    public required string Solver { get; init; }

    public uint Seed { get; init; }

    /// <summary>Attempts made (more than one after re-seeding).</summary>
    public int Attempts { get; init; } = 1;

    public TimeSpan Elapsed { get; init; }
    public SmtModel? Model { get; init; }

    /// <summary>Values of the script's observed terms, in <see cref="SmtScript.Observed"/> order (sat only).</summary>
    public IReadOnlyList<SmtValue> Values { get; init; } = [];

    /// <summary>Names of the assertions in the unsat core (unsat with <see cref="SolverOptions.ProduceUnsatCore"/>).</summary>
    public IReadOnlyList<string> UnsatCore { get; init; } = [];

    public bool IsDefinite => Status != SolverStatus.Unknown;

    public override string ToString() =>
        Status == SolverStatus.Unknown ? $"unknown ({Reason}{(Detail.Length > 0 ? ": " + Detail : "")}) by {Solver}" : $"{Status.ToString().ToLowerInvariant()} by {Solver}";
}

/// <summary>A solver binary is not installed; the message names the Debian package.</summary>
public sealed class SolverNotFoundException(string solver, string package)
    : Exception($"the SMT solver '{solver}' is not installed (not found on PATH); install it with: apt-get install {package}")
{
    public string SolverName { get; } = solver;
    public string DebianPackage { get; } = package;
}
