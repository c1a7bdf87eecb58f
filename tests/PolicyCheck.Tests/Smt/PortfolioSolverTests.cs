using Switchboard.PolicyCheck.Smt;
using static Switchboard.PolicyCheck.Smt.Terms;

namespace Switchboard.PolicyCheck.Tests.Smt;

public class PortfolioSolverTests
{
    /// <summary>Never answers; records that the portfolio cancelled it.</summary>
    private sealed class HangingSolver : ISolver
    {
        public bool Cancelled { get; private set; }
        public string Name => "hang";

        public async Task<SolverResult> CheckAsync(SmtScript script, SolverOptions options, CancellationToken cancellationToken = default)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Cancelled = true;
            }
            return new SolverResult { Status = SolverStatus.Unknown, Reason = UnknownReason.Cancelled, Solver = Name };
        }
    }

    private sealed class FixedSolver(string name, SolverResult result) : ISolver
    {
        public string Name => name;
        public Task<SolverResult> CheckAsync(SmtScript script, SolverOptions options, CancellationToken cancellationToken = default) =>
            Task.FromResult(result with { Solver = name });
    }

    private static SmtScript Unsat()
    {
        var s = new SmtScript();
        var x = s.DeclareConst("x", Sort.Int);
        s.Assert(And(Gt(x, 1), Lt(x, 0)));
        return s;
    }

    [Test]
    public async Task FirstDefiniteAnswerWinsAndTheOthersAreCancelled()
    {
        var hanging = new HangingSolver();
        var portfolio = new PortfolioSolver(hanging, new Z3Solver());
        var result = await portfolio.CheckAsync(Unsat(), new SolverOptions { Timeout = TimeSpan.FromSeconds(30) });
        Assert.That(result.Status, Is.EqualTo(SolverStatus.Unsat));
        Assert.That(result.Solver, Is.EqualTo("z3"));
        Assert.That(hanging.Cancelled, Is.True);
    }

    [Test]
    public async Task UnknownFromOneMemberDoesNotHideTheOthersAnswer()
    {
        var giveUp = new FixedSolver("quitter", new SolverResult { Status = SolverStatus.Unknown, Reason = UnknownReason.Incomplete, Solver = "" });
        var result = await new PortfolioSolver(giveUp, new Cvc5Solver()).CheckAsync(Unsat(), SolverOptions.Default);
        Assert.That(result.Status, Is.EqualTo(SolverStatus.Unsat));
        Assert.That(result.Solver, Is.EqualTo("cvc5"));
    }

    [Test]
    public async Task NoDecisionIsUnknownPreferringTimeoutAndNamingEveryMember()
    {
        var result = await Solvers.Create("portfolio").CheckAsync(SolverTests.HardQuery(), new SolverOptions { Timeout = TimeSpan.FromMilliseconds(150) });
        Assert.That(result.Status, Is.EqualTo(SolverStatus.Unknown));
        Assert.That(result.Reason, Is.EqualTo(UnknownReason.Timeout));
        Assert.That(result.Solver, Is.EqualTo("portfolio(z3,cvc5)"));
        Assert.That(result.Detail, Does.Contain("z3:").And.Contain("cvc5:"));
    }

    [Test]
    public void MissingMemberBinaryIsReported()
    {
        var portfolio = new PortfolioSolver(new Z3Solver(), new Cvc5Solver("/nonexistent/cvc5"));
        Assert.That(async () => await portfolio.CheckAsync(Unsat(), SolverOptions.Default),
            Throws.TypeOf<SolverNotFoundException>().With.Message.Contains("apt-get install cvc5"));
    }
}
