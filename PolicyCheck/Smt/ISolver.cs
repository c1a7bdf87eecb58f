namespace Switchboard.PolicyCheck.Smt;

/// <summary>
/// Decides an <see cref="SmtScript"/>. Implementations never throw for solver trouble (time-out, crash,
/// script error, cancellation): those come back as <see cref="SolverStatus.Unknown"/> with a reason, so an
/// undecided query can never be mistaken for a verdict. A missing solver binary throws
/// <see cref="SolverNotFoundException"/> (a set-up problem, not an answer).
/// </summary>
public interface ISolver
{
    /// <summary>Short name for reports (<c>z3</c>, <c>cvc5</c>, <c>portfolio(z3,cvc5)</c>).</summary>
    string Name { get; }

    Task<SolverResult> CheckAsync(SmtScript script, SolverOptions options, CancellationToken cancellationToken = default);
}

/// <summary>How a query is run.</summary>
public sealed record SolverOptions
{
    public static readonly SolverOptions Default = new();

    /// <summary>Wall-clock limit per attempt. The solver gets it as its own limit and is killed shortly after.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Random seed for the first attempt; later attempts derive new seeds from it.</summary>
    public uint Seed { get; init; }

    /// <summary>How many more attempts (each with a new seed) an unknown or timed-out query gets.</summary>
    public int Reseeds { get; init; }

    /// <summary>Model-based quantifier instantiation (z3: default on; cvc5: needed to find models with quantifiers).</summary>
    public bool Mbqi { get; init; } = true;

    /// <summary>z3's automatic configuration (on by default). The VMN encoding turns it off: with it, z3 picks a
    /// strategy under which MBQI does not find models of map-heavy queries (they time out); without it they take
    /// well under a second and unsatisfiable ones are proved as fast. Nonlinear arithmetic wants it on.</summary>
    public bool Z3AutoConfig { get; init; } = true;

    /// <summary>Read <c>(get-model)</c> on sat.</summary>
    public bool ProduceModel { get; init; } = true;

    /// <summary>Read <c>(get-unsat-core)</c> on unsat (the script's named assertions).</summary>
    public bool ProduceUnsatCore { get; init; }

    /// <summary>When set, attempt i (0-based) is limited to FirstTimeout x 3^i, capped by <see cref="Timeout"/>, and the
    /// last attempt gets the whole <see cref="Timeout"/>: heavy-tailed solve times make several short tries with fresh
    /// seeds better than one long one.</summary>
    public TimeSpan? FirstTimeout { get; init; }

    /// <summary>The time limit of attempt <paramref name="attempt"/> (0-based).</summary>
    public TimeSpan TimeoutFor(int attempt)
    {
        if (FirstTimeout is not { } first || attempt >= Reseeds) return Timeout;
        var t = first * Math.Pow(3, attempt);
        return t < Timeout ? t : Timeout;
    }

    /// <summary>The seed of attempt <paramref name="attempt"/> (0-based): distinct, deterministic.</summary>
    public uint SeedFor(int attempt) => unchecked(Seed + (uint)attempt * 7919u);
}
