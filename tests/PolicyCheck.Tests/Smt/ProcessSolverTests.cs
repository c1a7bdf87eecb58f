using Switchboard.PolicyCheck.Smt;

namespace Switchboard.PolicyCheck.Tests.Smt;

/// <summary>What the process layer does when the solver misbehaves, with stand-in solver scripts.</summary>
public class ProcessSolverTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("policycheck-solver-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    private string FakeSolver(string body)
    {
        var path = Path.Combine(_dir, "fake-solver");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static SmtScript Trivial()
    {
        var s = new SmtScript();
        s.DeclareConst("x", Sort.Int);
        return s;
    }

    [Test]
    public void MissingBinaryNamesTheDebianPackage()
    {
        var z3 = new Z3Solver(Path.Combine(_dir, "no-such-z3"));
        Assert.That(z3.IsInstalled, Is.False);
        Assert.That(async () => await z3.CheckAsync(Trivial(), SolverOptions.Default),
            Throws.TypeOf<SolverNotFoundException>().With.Message.Contains("apt-get install z3"));
        var cvc5 = new Cvc5Solver(Path.Combine(_dir, "no-such-cvc5"));
        Assert.That(async () => await cvc5.CheckAsync(Trivial(), SolverOptions.Default),
            Throws.TypeOf<SolverNotFoundException>().With.Message.Contains("apt-get install cvc5"));
    }

    [Test]
    public async Task SilentSolverIsKilledAtTheLimitAndReportedAsTimeout()
    {
        var solver = new Z3Solver(FakeSolver("exec sleep 30"));
        var result = await solver.CheckAsync(Trivial(), new SolverOptions { Timeout = TimeSpan.FromMilliseconds(50) });
        Assert.That(result.Status, Is.EqualTo(SolverStatus.Unknown));
        Assert.That(result.Reason, Is.EqualTo(UnknownReason.Timeout));
    }

    [Test]
    public async Task AnswerAfterAnErrorIsNotTrusted()
    {
        var solver = new Z3Solver(FakeSolver("echo '(error \"line 3: unknown constant q\")'; echo unsat; cat >/dev/null"));
        var result = await solver.CheckAsync(Trivial(), SolverOptions.Default);
        Assert.That(result.Status, Is.EqualTo(SolverStatus.Unknown));
        Assert.That(result.Reason, Is.EqualTo(UnknownReason.SolverError));
        Assert.That(result.Detail, Does.Contain("unknown constant q"));
    }

    [Test]
    public async Task CrashWithoutAnswerIsUnknown()
    {
        var solver = new Cvc5Solver(FakeSolver("echo 'segfault' >&2; exit 139"));
        var result = await solver.CheckAsync(Trivial(), SolverOptions.Default);
        Assert.That(result.Status, Is.EqualTo(SolverStatus.Unknown));
        Assert.That(result.Reason, Is.EqualTo(UnknownReason.Crashed));
        Assert.That(result.Detail, Does.Contain("139"));
    }

    [Test]
    public async Task IncompleteAnswerIsReseededAndKeepsTheSolversReason()
    {
        var log = Path.Combine(_dir, "calls");
        var solver = new Z3Solver(FakeSolver($"echo x >> {log}; read line; echo unknown; echo '(:reason-unknown \"incomplete quantifiers\")'; cat >/dev/null"));
        var result = await solver.CheckAsync(Trivial(), SolverOptions.Default with { Reseeds = 2 });
        Assert.That(result.Reason, Is.EqualTo(UnknownReason.Incomplete));
        Assert.That(result.Detail, Does.Contain("incomplete quantifiers"));
        Assert.That(File.ReadAllLines(log), Has.Length.EqualTo(3));
        Assert.That(result.Attempts, Is.EqualTo(3));
    }

    [Test]
    public async Task Z3GetsSeedTimeoutAndMbqiAsOptionsBeforeTheScript()
    {
        var input = Path.Combine(_dir, "stdin");
        var solver = new Z3Solver(FakeSolver($"echo \"$@\" > {input}.args; while read line; do echo \"$line\" >> {input}; case \"$line\" in *check-sat*) echo unsat;; *exit*) exit 0;; esac; done"));
        var result = await solver.CheckAsync(Trivial(), new SolverOptions { Seed = 42, Timeout = TimeSpan.FromSeconds(3), Mbqi = false });
        Assert.That(result.Status, Is.EqualTo(SolverStatus.Unsat));
        Assert.That(File.ReadAllText(input + ".args").Trim(), Is.EqualTo("-in -smt2"));
        var sent = File.ReadAllLines(input);
        Assert.That(sent, Does.Contain("(set-option :smt.random_seed 42)").And.Contain("(set-option :timeout 3000)").And.Contain("(set-option :smt.mbqi false)"));
        Assert.That(Array.IndexOf(sent, "(set-option :smt.random_seed 42)"), Is.LessThan(Array.IndexOf(sent, "(set-logic ALL)")));
        Assert.That(sent[^2..], Is.EqualTo(new[] { "(check-sat)", "(exit)" }));
    }

    [Test]
    public async Task Cvc5GetsSeedTimeoutAndMbqiOnTheCommandLine()
    {
        var args = Path.Combine(_dir, "args");
        var solver = new Cvc5Solver(FakeSolver($"echo \"$@\" > {args}; read line; echo sat; echo '((define-fun x () Int 5))'; cat > /dev/null"));
        var result = await solver.CheckAsync(Trivial(), new SolverOptions { Seed = 9, Timeout = TimeSpan.FromMilliseconds(1500) });
        Assert.That(result.Status, Is.EqualTo(SolverStatus.Sat));
        Assert.That(result.Model!.Constant("x"), Is.EqualTo(new IntValue(5)));
        Assert.That(File.ReadAllText(args).Trim().Split(' '), Is.SupersetOf(new[] { "--lang", "smt2", "--incremental", "--seed=9", "--tlimit-per=1500", "--produce-models", "--mbqi" }));
    }
}
