namespace Switchboard.PolicyCheck.Smt;

/// <summary>
/// Solve times are heavy-tailed: a query that times out with one seed often finishes at once with another.
/// Retries an unknown (time-out or give-up) answer with fresh seeds, up to <see cref="SolverOptions.Reseeds"/> times;
/// with <see cref="SolverOptions.FirstTimeout"/> the early attempts are short (x3 each), the last gets the full limit.
/// </summary>
internal static class Reseeding
{
    public static async Task<SolverResult> RunAsync(SolverOptions options, Func<SolverOptions, Task<SolverResult>> attempt, CancellationToken cancellationToken)
    {
        SolverResult? last = null;
        var total = TimeSpan.Zero;
        for (int i = 0; i <= Math.Max(0, options.Reseeds); i++)
        {
            var seed = options.SeedFor(i);
            var result = await attempt(options with { Seed = seed, Reseeds = 0, Timeout = options.TimeoutFor(i) });
            total += result.Elapsed;
            last = result with { Attempts = i + 1, Elapsed = total, Seed = seed };
            if (result.IsDefinite || result.Reason is not (UnknownReason.Timeout or UnknownReason.Incomplete) || cancellationToken.IsCancellationRequested)
                break;
        }
        return last!;
    }
}
