using System.Globalization;

namespace Switchboard.PolicyCheck.Smt;

/// <summary>cvc5 (Debian package <c>cvc5</c>) over <c>cvc5 --lang smt2 --incremental</c> on stdin. cvc5 finds models of
/// quantified formulas only with MBQI (<c>--mbqi</c>); without it a satisfiable query usually ends unknown.</summary>
public sealed class Cvc5Solver(string? executablePath = null) : ProcessSolver(executablePath)
{
    public override string Name => "cvc5";
    protected override string ExecutableName => "cvc5";
    public override string DebianPackage => "cvc5";

    protected override IEnumerable<string> Arguments(SolverOptions options)
    {
        var ms = (long)Math.Max(1, options.Timeout.TotalMilliseconds);
        var args = new List<string>
        {
            "--lang", "smt2", "--incremental",
            string.Create(CultureInfo.InvariantCulture, $"--seed={options.Seed}"),
            string.Create(CultureInfo.InvariantCulture, $"--sat-random-seed={options.Seed}"),
            string.Create(CultureInfo.InvariantCulture, $"--tlimit-per={ms}"),
        };
        if (options.ProduceModel) args.Add("--produce-models");
        if (options.ProduceUnsatCore) args.Add("--produce-unsat-cores");
        if (options.Mbqi) args.Add("--mbqi");
        return args;
    }

    protected override string Preamble(SolverOptions options) => "";
}
