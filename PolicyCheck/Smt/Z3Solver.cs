using System.Globalization;

namespace Switchboard.PolicyCheck.Smt;

/// <summary>z3 (Debian package <c>z3</c>) over <c>z3 -in -smt2</c>.</summary>
public sealed class Z3Solver(string? executablePath = null) : ProcessSolver(executablePath)
{
    public override string Name => "z3";
    protected override string ExecutableName => "z3";
    public override string DebianPackage => "z3";

    protected override IEnumerable<string> Arguments(SolverOptions options) => ["-in", "-smt2"];

    protected override string Preamble(SolverOptions options)
    {
        var ms = (long)Math.Max(1, options.Timeout.TotalMilliseconds);
        return (options.Z3AutoConfig ? "" : "(set-option :auto_config false)\n") + string.Create(CultureInfo.InvariantCulture,
            $"(set-option :produce-models {Bool(options.ProduceModel)})\n" +
            $"(set-option :produce-unsat-cores {Bool(options.ProduceUnsatCore)})\n" +
            $"(set-option :smt.random_seed {options.Seed})\n" +
            $"(set-option :sat.random_seed {options.Seed})\n" +
            $"(set-option :smt.mbqi {Bool(options.Mbqi)})\n" +
            $"(set-option :timeout {ms})\n");
    }

    private static string Bool(bool b) => b ? "true" : "false";
}
