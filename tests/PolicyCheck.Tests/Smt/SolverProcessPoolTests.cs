using System.Diagnostics;
using Switchboard.PolicyCheck.Smt;
using static Switchboard.PolicyCheck.Smt.Terms;

namespace Switchboard.PolicyCheck.Tests.Smt;

/// <summary>Pooled z3: queries in reused processes stay independent, and a process that misbehaves is replaced.</summary>
public class SolverProcessPoolTests
{
    private static readonly SolverOptions Quick = new() { Timeout = TimeSpan.FromSeconds(10) };
    private string _dir = "";

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("policycheck-pool-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    private string FakeSolver(string name, string body)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    // x: Int, x > 3 — satisfiable.
    private static SmtScript IntAbove3()
    {
        var s = new SmtScript();
        var x = s.DeclareConst("x", Sort.Int);
        s.Assert(Gt(x, Int(3)));
        s.Observe(x);
        return s;
    }

    // x: Bool this time (a redeclaration, legal only if the last query's x is gone), x and not x — unsatisfiable.
    private static SmtScript BoolContradiction()
    {
        var s = new SmtScript();
        var x = s.DeclareConst("x", Sort.Bool);
        s.Assert(And(x, Not(x)));
        return s;
    }

    // Uses x without declaring it: only a solver that kept an earlier query's declarations would accept it.
    private static SmtScript UsesUndeclaredX()
    {
        var s = new SmtScript();
        s.Assert(Gt(Symbol("x"), Int(3)));
        return s;
    }

    [Test]
    public async Task QueriesInOneProcessAreIndependent()
    {
        using var z3 = new Z3Solver(pooled: true);
        var first = await z3.CheckAsync(IntAbove3(), Quick);
        Assert.That(first.Status, Is.EqualTo(SolverStatus.Sat));
        Assert.That(first.Values.Single().ToString(), Is.Not.Empty);

        var second = await z3.CheckAsync(BoolContradiction(), Quick);
        Assert.That(second.Status, Is.EqualTo(SolverStatus.Unsat), "x is redeclared with another sort: the first query's x is gone");

        var third = await z3.CheckAsync(UsesUndeclaredX(), Quick);
        Assert.That(third.Status, Is.EqualTo(SolverStatus.Unknown), "declarations do not carry over");
        Assert.That(third.Reason, Is.EqualTo(UnknownReason.SolverError));
        Assert.That(z3.ProcessPool!.Spawned, Is.EqualTo(1), "the first three queries ran in one process");

        var fourth = await z3.CheckAsync(IntAbove3(), Quick);
        Assert.That(fourth.Status, Is.EqualTo(SolverStatus.Sat));
        Assert.That(z3.ProcessPool.Spawned, Is.EqualTo(2), "the process that printed an error was not reused");
    }

    [Test]
    public async Task ParallelQueriesGetTheirOwnAnswers()
    {
        using var z3 = new Z3Solver(pooled: true);
        var queries = Enumerable.Range(0, 12).Select(i => z3.CheckAsync(i % 2 == 0 ? IntAbove3() : BoolContradiction(), Quick)).ToList();
        var results = await Task.WhenAll(queries);
        for (int i = 0; i < results.Length; i++)
            Assert.That(results[i].Status, Is.EqualTo(i % 2 == 0 ? SolverStatus.Sat : SolverStatus.Unsat), $"query {i}");
        Assert.That(z3.ProcessPool!.Spawned, Is.LessThanOrEqualTo(12));
    }

    [Test]
    public async Task ASolverSilentPastTheLimitIsKilledAndTheNextQueryGetsANewProcess()
    {
        var fake = FakeSolver("silent-solver", "exec sleep 30");
        using var solver = new Z3Solver(fake, pooled: true);
        var options = new SolverOptions { Timeout = TimeSpan.FromMilliseconds(100) };

        var first = await solver.CheckAsync(IntAbove3(), options);
        Assert.That(first.Reason, Is.EqualTo(UnknownReason.Timeout), first.Detail);
        Assert.That(solver.ProcessPool!.IdleProcessIds, Is.Empty, "a killed process is not kept");

        var second = await solver.CheckAsync(IntAbove3(), options);
        Assert.That(second.Reason, Is.EqualTo(UnknownReason.Timeout));
        Assert.That(solver.ProcessPool.Spawned, Is.EqualTo(2));
    }

    [Test]
    public async Task AnIdleProcessThatDiedIsReplaced()
    {
        using var z3 = new Z3Solver(pooled: true);
        Assert.That((await z3.CheckAsync(IntAbove3(), Quick)).Status, Is.EqualTo(SolverStatus.Sat));
        var idle = z3.ProcessPool!.IdleProcessIds.Single();
        using (var process = Process.GetProcessById(idle))
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        var after = await z3.CheckAsync(BoolContradiction(), Quick);
        Assert.That(after.Status, Is.EqualTo(SolverStatus.Unsat));
        Assert.That(z3.ProcessPool.Spawned, Is.EqualTo(2));
        Assert.That(z3.ProcessPool.IdleProcessIds.Single(), Is.Not.EqualTo(idle));
    }

    [Test]
    public async Task ASolverThatCrashesMidQueryIsUnknownAndNotReused()
    {
        var fake = FakeSolver("crashing-solver", "read line\necho 'boom' >&2\nexit 3");
        using var solver = new Z3Solver(fake, pooled: true);
        var result = await solver.CheckAsync(IntAbove3(), Quick);
        Assert.That(result.Status, Is.EqualTo(SolverStatus.Unknown));
        Assert.That(result.Reason, Is.EqualTo(UnknownReason.Crashed));
        Assert.That(solver.ProcessPool!.IdleProcessIds, Is.Empty);
    }

    [Test]
    public async Task IdleProcessesEndAfterTheIdleTimeout()
    {
        using var pool = new SolverProcessPool { IdleTimeout = TimeSpan.FromMilliseconds(50) };
        var (process, reused) = pool.Rent(() => SolverProcess.Start("/bin/cat", [], "coreutils"));
        Assert.That(reused, Is.False);
        pool.Return(process);
        Assert.That(pool.IdleProcessIds, Has.Count.EqualTo(1));
        var waited = Stopwatch.StartNew();
        while ((pool.IdleProcessIds.Count > 0 || !process.HasExited) && waited.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
        Assert.That(pool.IdleProcessIds, Is.Empty);
        Assert.That(process.HasExited, Is.True, "the reaped process was ended");
    }
}
