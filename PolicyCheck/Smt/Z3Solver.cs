using System.Globalization;

namespace Switchboard.PolicyCheck.Smt;

/// <summary>z3 (Debian package <c>z3</c>) over <c>z3 -in -smt2</c>. With <c>pooled</c>, queries run in long-lived z3
/// processes (<see cref="SolverProcessPool"/>), each query after <c>(reset)</c>, which clears assertions, declarations
/// and options: every query still meets a fresh solver, without paying for a process start; a process that timed out
/// past its grace, crashed or printed an error is replaced. Without it, a fresh process per query.</summary>
public sealed class Z3Solver : ProcessSolver, IDisposable
{
    public Z3Solver(string? executablePath = null, bool pooled = false) : base(executablePath)
    {
        if (pooled) Pool = new SolverProcessPool();
    }

    public override string Name => "z3";
    protected override string ExecutableName => "z3";
    public override string DebianPackage => "z3";

    /// <summary>The process pool (pooled solvers only).</summary>
    internal SolverProcessPool? ProcessPool => Pool;

    protected override IEnumerable<string> Arguments(SolverOptions options) => ["-in", "-smt2"];

    protected override string Preamble(SolverOptions options) =>
        (options.Z3AutoConfig ? "" : "(set-option :auto_config false)\n") + Options(options);

    // After (reset) in a reused process: auto_config is set either way, so it never carries over.
    protected override string PooledPreamble(SolverOptions options) =>
        $"(set-option :auto_config {Bool(options.Z3AutoConfig)})\n" + Options(options);

    private static string Options(SolverOptions options)
    {
        var ms = (long)Math.Max(1, options.Timeout.TotalMilliseconds);
        return string.Create(CultureInfo.InvariantCulture,
            $"(set-option :produce-models {Bool(options.ProduceModel)})\n" +
            $"(set-option :produce-unsat-cores {Bool(options.ProduceUnsatCore)})\n" +
            $"(set-option :smt.random_seed {options.Seed})\n" +
            $"(set-option :sat.random_seed {options.Seed})\n" +
            $"(set-option :smt.mbqi {Bool(options.Mbqi)})\n" +
            $"(set-option :timeout {ms})\n");
    }

    private static string Bool(bool b) => b ? "true" : "false";

    /// <summary>Ends the idle pooled processes.</summary>
    public void Dispose() => Pool?.Dispose();
}
