using System.Text.Json;
using Switchboard.PolicyCheck.Network;
using Switchboard.PolicyCheck.Smt;
using Switchboard.PolicyCheck.Verification;

namespace Switchboard.Host.Cli;

/// <summary>
/// <c>switchboard verify NETWORK.json</c>: check every invariant of a network description with the SMT
/// solver and print verdict, time and, for violations, the counterexample trace. Exit code 0 when every
/// invariant holds (or has the verdict its <c>expect</c> names), 1 otherwise, 2 when the file is invalid.
/// </summary>
internal static class VerifyCommand
{
    public sealed record Options(string NetworkPath, bool Json, string? Solver, string? DotDirectory);

    public static async Task<int> ExecuteAsync(Options o, TextWriter output, TextWriter errors, CancellationToken cancel)
    {
        var loaded = NetworkLoader.Load(o.NetworkPath);
        if (!loaded.Ok)
        {
            errors.WriteLine($"{o.NetworkPath}: {loaded.Errors.Count} error(s):");
            foreach (var e in loaded.Errors) errors.WriteLine("  " + e);
            return 2;
        }
        var network = loaded.Network!;
        ISolver solver;
        try { solver = Solvers.Create(o.Solver ?? network.Options.Solver); }
        catch (Exception ex) when (ex is ArgumentException or SolverNotFoundException)
        {
            errors.WriteLine(ex.Message);
            return 2;
        }

        var verifier = new IsolationVerifier(solver);
        var results = new List<(InvariantSpec Invariant, InvariantResult? Result, string? Unsupported)>();
        try
        {
            await VerifyAll(network, verifier, results, cancel);
        }
        catch (SolverNotFoundException ex)
        {
            errors.WriteLine(ex.Message);
            return 2;
        }

        bool allGood = results.All(r => r.Result is { } res && (res.MeetsExpectation ?? res.Verdict == Verdict.Holds));
        if (o.Json) WriteJson(output, o.NetworkPath, results);
        else WriteText(output, results);
        if (o.DotDirectory is { } dir)
        {
            Directory.CreateDirectory(dir);
            foreach (var (inv, res, _) in results)
                if (res?.Trace is { } trace) File.WriteAllText(Path.Combine(dir, inv.Name + ".dot"), trace.ToDot());
        }
        return allGood ? 0 : 1;
    }

    private static async Task VerifyAll(NetworkDescription network, IsolationVerifier verifier,
        List<(InvariantSpec Invariant, InvariantResult? Result, string? Unsupported)> results, CancellationToken cancel)
    {
        foreach (var invariant in network.Invariants)
        {
            try
            {
                results.Add((invariant, await verifier.VerifyAsync(network, invariant, IsolationVerifier.OptionsFor(network), cancel), null));
            }
            catch (EncodingException ex)
            {
                // Not encodable yet (e.g. traversal invariants): reported as unknown, never as holds.
                results.Add((invariant, null, ex.Message));
            }
        }
    }

    private static void WriteText(TextWriter output, List<(InvariantSpec Invariant, InvariantResult? Result, string? Unsupported)> results)
    {
        foreach (var (inv, res, unsupported) in results)
        {
            if (res is null) { output.WriteLine($"{inv.Name}: unknown — {unsupported}"); continue; }
            string expectation = res.MeetsExpectation switch { true => " (as expected)", false => $" (EXPECTED {inv.Expect!.ToUpperInvariant()})", null => "" };
            output.WriteLine(res + expectation);
        }
        int holds = results.Count(r => r.Result?.Verdict == Verdict.Holds);
        int violated = results.Count(r => r.Result?.Verdict == Verdict.Violated);
        output.WriteLine($"{results.Count} invariant(s): {holds} hold, {violated} violated, {results.Count - holds - violated} unknown.");
    }

    private static void WriteJson(TextWriter output, string path, List<(InvariantSpec Invariant, InvariantResult? Result, string? Unsupported)> results)
    {
        var doc = new
        {
            network = path,
            invariants = results.Select(r => new
            {
                name = r.Invariant.Name,
                kind = r.Invariant.Kind,
                status = r.Result?.Verdict.ToString().ToLowerInvariant() ?? "unknown",
                expect = r.Invariant.Expect,
                meetsExpectation = r.Result?.MeetsExpectation,
                timeMs = r.Result?.Elapsed.TotalMilliseconds,
                solver = r.Result?.Solver.Solver,
                reason = r.Unsupported ?? (r.Result?.Verdict == Verdict.Unknown ? r.Result.Solver.Reason.ToString() : null),
                trace = r.Result?.Trace is { } t ? new
                {
                    failed = t.FailedNodes,
                    events = t.Events.Select(e => new { time = e.Time, kind = e.Kind.ToString().ToLowerInvariant(), from = e.From, to = e.To, packet = e.Packet.ToString() }),
                } : null,
            }),
        };
        output.WriteLine(JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
    }
}
