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
    /// <param name="Slicing">Override the file's options.slicing (null: as the file says).</param>
    /// <param name="Symmetry">Override the file's options.symmetry (null: as the file says).</param>
    /// <param name="Bench">Run the benchmark instead: "default", sizes "GROUPSxHOSTS,...", or "scale[:GROUPSxHOSTS]" (the whole datacenter only).</param>
    /// <param name="GenerateDirectory">Write the generated scenario networks here instead.</param>
    public sealed record Options(string NetworkPath, bool Json, string? Solver, string? DotDirectory, bool? Slicing = null, bool? Symmetry = null,
        string? Bench = null, string? GenerateDirectory = null);

    public static async Task<int> ExecuteAsync(Options o, TextWriter output, TextWriter errors, CancellationToken cancel)
    {
        if (o.GenerateDirectory is { } target) return Generate(target, output);
        if (o.Bench is { } bench) return await BenchAsync(bench, o.Solver ?? "z3", output, errors, cancel);
        if (o.NetworkPath.Length == 0)
        {
            errors.WriteLine("verify: give a network file (or --bench / --generate DIR)");
            return 2;
        }
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

        var verifier = new NetworkVerifier(solver);
        var results = new List<(InvariantSpec Invariant, InvariantResult? Result, string? Unsupported)>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            foreach (var r in await verifier.VerifyAllAsync(network, slicing: o.Slicing, symmetry: o.Symmetry, cancellationToken: cancel))
                results.Add((r.Invariant, r, r.Error));
        }
        catch (SolverNotFoundException ex)
        {
            errors.WriteLine(ex.Message);
            return 2;
        }

        bool allGood = results.All(r => r.Result is { } res && (res.MeetsExpectation ?? res.Verdict == Verdict.Holds));
        var wall = clock.Elapsed;
        if (o.Json) WriteJson(output, o.NetworkPath, results, wall);
        else WriteText(output, results, wall);
        if (o.DotDirectory is { } dir)
        {
            Directory.CreateDirectory(dir);
            foreach (var (inv, res, _) in results)
                if (res is { Trace: { } trace, SymmetricTo: null }) File.WriteAllText(Path.Combine(dir, inv.Name + ".dot"), trace.ToDot()); // a symmetric one's is its representative's file
        }
        return allGood ? 0 : 1;
    }

    private static int Generate(string dir, TextWriter output)
    {
        Directory.CreateDirectory(dir);
        foreach (var s in Switchboard.PolicyCheck.Scenarios.ScenarioCatalog.Examples())
        {
            var path = Path.Combine(dir, s.Name + ".json");
            File.WriteAllText(path, s.Json);
            output.WriteLine($"{path}: {s.Hosts} hosts, {s.Groups} groups, violates {(s.Violated.Count == 0 ? "nothing" : string.Join(", ", s.Violated.Order()))}");
        }
        return 0;
    }

    private static async Task<int> BenchAsync(string sizes, string solverName, TextWriter output, TextWriter errors, CancellationToken cancel)
    {
        if (sizes == "scale" || sizes.StartsWith("scale:", StringComparison.Ordinal))
            return await ScaleBenchAsync(sizes, solverName, output, errors, cancel);
        List<(int, int)>? list = null;
        if (sizes != "default")
        {
            list = [];
            foreach (var part in sizes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var xy = part.Split('x');
                if (xy.Length != 2 || !int.TryParse(xy[0], out var g) || !int.TryParse(xy[1], out var h) || g < 3 || h < 1 || h > 250)
                {
                    errors.WriteLine($"verify --bench: '{part}' is not GROUPSxHOSTS (groups >= 3, 1..250 hosts per group)");
                    return 2;
                }
                list.Add((g, h));
            }
        }
        try
        {
            await Switchboard.PolicyCheck.Scenarios.VerificationBenchmark.RunAsync(output, Solvers.Create(solverName), list, cancellationToken: cancel);
            return 0;
        }
        catch (Exception ex) when (ex is ArgumentException or SolverNotFoundException)
        {
            errors.WriteLine(ex.Message);
            return 2;
        }
    }

    // --bench scale[:GROUPSxHOSTS]: the whole datacenter at scale only (default 100x10).
    private static async Task<int> ScaleBenchAsync(string arg, string solverName, TextWriter output, TextWriter errors, CancellationToken cancel)
    {
        int g = 100, h = 10;
        var size = arg.Length > 6 ? arg[6..].Split('x') : ["100", "10"];
        if (size.Length != 2 || !int.TryParse(size[0], out g) || !int.TryParse(size[1], out h) || g < 3 || h < 1 || h > 250)
        {
            errors.WriteLine($"verify --bench: '{arg}' is not scale:GROUPSxHOSTS (groups >= 3, 1..250 hosts per group)");
            return 2;
        }
        try
        {
            await Switchboard.PolicyCheck.Scenarios.VerificationBenchmark.RunScaleAsync(output, Solvers.Create(solverName), g, h, cancellationToken: cancel);
            return 0;
        }
        catch (Exception ex) when (ex is ArgumentException or SolverNotFoundException)
        {
            errors.WriteLine(ex.Message);
            return 2;
        }
    }

    private static void WriteText(TextWriter output, List<(InvariantSpec Invariant, InvariantResult? Result, string? Unsupported)> results, TimeSpan wall)
    {
        foreach (var (inv, res, unsupported) in results)
        {
            if (res is null) { output.WriteLine($"{inv.Name}: unknown — {unsupported}"); continue; }
            if (res.SymmetricTo is not null)
            {
                string exp = res.MeetsExpectation switch { true => " (as expected)", false => $" (EXPECTED {inv.Expect!.ToUpperInvariant()})", null => "" };
                output.WriteLine($"{inv.Name}: {res.Verdict.ToString().ToLowerInvariant()} (symmetric to {res.SymmetricTo}){exp}");
                continue;
            }
            string expectation = res.MeetsExpectation switch { true => " (as expected)", false => $" (EXPECTED {inv.Expect!.ToUpperInvariant()})", null => "" };
            var text = res.ToString();
            int eol = text.IndexOf(Environment.NewLine, StringComparison.Ordinal);
            output.WriteLine(eol < 0 ? text + expectation : text[..eol] + expectation + text[eol..]);
        }
        int holds = results.Count(r => r.Result?.Verdict == Verdict.Holds);
        int violated = results.Count(r => r.Result?.Verdict == Verdict.Violated);
        int queries = results.Count(r => r.Result is { SymmetricTo: null });
        output.WriteLine($"{results.Count} invariant(s): {holds} hold, {violated} violated, {results.Count - holds - violated} unknown; {queries} solver quer{(queries == 1 ? "y" : "ies")}, {wall.TotalMilliseconds:F0} ms.");
    }

    private static void WriteJson(TextWriter output, string path, List<(InvariantSpec Invariant, InvariantResult? Result, string? Unsupported)> results, TimeSpan wall)
    {
        var doc = new
        {
            network = path,
            timeMs = wall.TotalMilliseconds,
            invariants = results.Select(r => new
            {
                name = r.Invariant.Name,
                kind = r.Invariant.Kind,
                status = r.Result?.Verdict.ToString().ToLowerInvariant() ?? "unknown",
                expect = r.Invariant.Expect,
                meetsExpectation = r.Result?.MeetsExpectation,
                timeMs = r.Result?.Elapsed.TotalMilliseconds,
                solver = r.Result?.Solver.Solver,
                slice = r.Result?.Slice,
                sliceReason = r.Result?.SliceInfo?.Reason,
                symmetricTo = r.Result?.SymmetricTo,
                reason = r.Unsupported ?? (r.Result?.Verdict == Verdict.Unknown ? r.Result.Solver.Reason.ToString() : null),
                trace = r.Result?.Trace is { } t ? new
                {
                    of = r.Result.SymmetricTo ?? r.Invariant.Name, // a symmetric invariant carries its representative's trace
                    failed = t.FailedNodes,
                    events = t.Events.Select(e => new { time = e.Time, kind = e.Kind.ToString().ToLowerInvariant(), from = e.From, to = e.To, packet = e.Packet?.ToString(), detail = e.Detail }),
                } : null,
            }),
        };
        output.WriteLine(JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
    }
}
