namespace Switchboard.PolicyCheck.Smt;

/// <summary>The solver backends by name: <c>z3</c> (default), <c>cvc5</c>, <c>portfolio</c> (both, first answer wins).</summary>
public static class Solvers
{
    public static readonly IReadOnlyList<string> Names = ["z3", "cvc5", "portfolio"];

    public static ISolver Create(string name) => name switch
    {
        "z3" => new Z3Solver(pooled: true),
        "cvc5" => new Cvc5Solver(),
        "portfolio" => new PortfolioSolver(new Z3Solver(pooled: true), new Cvc5Solver()),
        _ => throw new ArgumentException($"unknown solver '{name}'; solvers: {string.Join(", ", Names)}", nameof(name)),
    };
}
