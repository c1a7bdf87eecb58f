namespace Switchboard.PolicyCheck.Smt;

/// <summary>
/// Runs several solvers on the same query at once and takes the first definite answer (sat or unsat),
/// cancelling (killing) the rest. When none decides, the result is unknown: a time-out if any timed out.
/// Re-seeding restarts the whole race with the next seed.
/// </summary>
public sealed class PortfolioSolver : ISolver, IDisposable
{
    private readonly IReadOnlyList<ISolver> _members;

    public PortfolioSolver(params IReadOnlyList<ISolver> members)
    {
        if (members.Count == 0) throw new ArgumentException("a portfolio needs at least one solver", nameof(members));
        _members = members;
    }

    public string Name => $"portfolio({string.Join(",", _members.Select(m => m.Name))})";

    /// <summary>Disposes the members that hold resources (a pooled z3's processes).</summary>
    public void Dispose()
    {
        foreach (var m in _members) (m as IDisposable)?.Dispose();
    }

    public Task<SolverResult> CheckAsync(SmtScript script, SolverOptions options, CancellationToken cancellationToken = default) =>
        Reseeding.RunAsync(options, attempt => RaceAsync(script, attempt, cancellationToken), cancellationToken);

    private async Task<SolverResult> RaceAsync(SmtScript script, SolverOptions options, CancellationToken cancellationToken)
    {
        using var race = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = _members.Select(m => m.CheckAsync(script, options, race.Token)).ToList();
        SolverResult? winner = null;
        var losers = new List<SolverResult>();
        Exception? failure = null;
        while (running.Count > 0)
        {
            var done = await Task.WhenAny(running);
            running.Remove(done);
            try
            {
                var result = await done;
                if (winner is null && result.IsDefinite)
                {
                    winner = result;
                    await race.CancelAsync();
                }
                else losers.Add(result);
            }
            catch (Exception e)
            {
                failure ??= e;
                await race.CancelAsync();
            }
        }
        if (failure is not null) throw failure is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerExceptions[0] : failure;
        if (winner is not null) return winner;

        var decided = losers.FirstOrDefault(r => r.Reason == UnknownReason.Timeout) ?? losers[0];
        return decided with
        {
            Solver = Name,
            Detail = string.Join("; ", losers.Select(r => $"{r.Solver}: {r.Reason}{(r.Detail.Length > 0 ? " " + r.Detail : "")}")),
            Elapsed = losers.Max(r => r.Elapsed),
        };
    }
}
