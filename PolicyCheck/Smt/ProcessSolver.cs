using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Switchboard.PolicyCheck.Smt;

/// <summary>
/// Runs a solver as a child process speaking SMT-LIB2 on stdin/stdout: the options, the script and
/// <c>(check-sat)</c> go in; the answer comes back, then (on sat) the model and observed values, (on unsat) the
/// core. The process is killed when the time limit passes (with a short grace for the solver's own limit) or the
/// caller cancels; either way the result is unknown. A fresh process per query keeps queries independent.
/// </summary>
public abstract class ProcessSolver : ISolver
{
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
    private readonly string? _executablePath;

    /// <param name="executablePath">The binary to run; null looks up <see cref="ExecutableName"/> on PATH.</param>
    protected ProcessSolver(string? executablePath) => _executablePath = executablePath;

    public abstract string Name { get; }

    /// <summary>The binary's file name (looked up on PATH).</summary>
    protected abstract string ExecutableName { get; }

    /// <summary>The Debian package that provides the binary (named in the error when it is missing).</summary>
    public abstract string DebianPackage { get; }

    /// <summary>Command-line arguments for one attempt.</summary>
    protected abstract IEnumerable<string> Arguments(SolverOptions options);

    /// <summary>Commands sent before the script (options that must precede <c>set-logic</c>).</summary>
    protected abstract string Preamble(SolverOptions options);

    /// <summary>True when the binary can be found.</summary>
    public bool IsInstalled => ResolveExecutable() is not null;

    public Task<SolverResult> CheckAsync(SmtScript script, SolverOptions options, CancellationToken cancellationToken = default) =>
        Reseeding.RunAsync(options, attempt => RunOnceAsync(script, attempt, cancellationToken), cancellationToken);

    private string? ResolveExecutable()
    {
        if (_executablePath is not null) return File.Exists(_executablePath) ? _executablePath : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, ExecutableName);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    private async Task<SolverResult> RunOnceAsync(SmtScript script, SolverOptions options, CancellationToken cancellationToken)
    {
        var executable = ResolveExecutable() ?? throw new SolverNotFoundException(_executablePath ?? ExecutableName, DebianPackage);
        var clock = Stopwatch.StartNew();
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = Utf8,
            StandardOutputEncoding = Utf8,
            StandardErrorEncoding = Utf8,
        };
        foreach (var a in Arguments(options)) start.ArgumentList.Add(a);

        using var process = new Process { StartInfo = start };
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        try
        {
            process.Start();
        }
        catch (Win32Exception)
        {
            throw new SolverNotFoundException(executable, DebianPackage);
        }
        process.BeginErrorReadLine();

        var session = new Session(process, options, cancellationToken);
        try
        {
            return await session.RunAsync(script, Preamble(options), Name, clock, () => { lock (stderr) return stderr.ToString(); });
        }
        finally
        {
            session.Dispose();
            Kill(process);
            try
            {
                await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
            }
            catch (TimeoutException) { /* reaped by the OS once killed */ }
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception or NotSupportedException) { /* already gone */ }
    }

    /// <summary>One conversation with a running solver; owns the kill timer.</summary>
    private sealed class Session : IDisposable
    {
        // After the answer the model and values still need reading; they get their own budget.
        private static readonly TimeSpan FollowUpBudget = TimeSpan.FromSeconds(20);
        private readonly Process _process;
        private readonly CancellationToken _caller;
        private readonly SolverOptions _options;
        private readonly CancellationTokenSource _limit;
        private readonly CancellationTokenRegistration _registration;
        private int _killedByLimit;

        public Session(Process process, SolverOptions options, CancellationToken caller)
        {
            _process = process;
            _caller = caller;
            _options = options;
            _limit = CancellationTokenSource.CreateLinkedTokenSource(caller);
            _registration = _limit.Token.Register(() =>
            {
                if (!_caller.IsCancellationRequested) Interlocked.Exchange(ref _killedByLimit, 1);
                Kill(_process);
            });
            _limit.CancelAfter(options.Timeout + Grace(options.Timeout));
        }

        private static TimeSpan Grace(TimeSpan timeout) =>
            TimeSpan.FromMilliseconds(Math.Clamp(timeout.TotalMilliseconds * 0.1, 100, 1000));

        public async Task<SolverResult> RunAsync(SmtScript script, string preamble, string name, Stopwatch clock, Func<string> stderr)
        {
            var reader = new SExprReader(_process.StandardOutput);
            var errors = new List<string>();
            var send = SendAsync(preamble + script + "(check-sat)\n");

            SAtom? answer = null;
            while (answer is null)
            {
                var response = await ReadAsync(reader, errors);
                if (response is null) break;
                if (response.Head == "error") errors.Add(ErrorText(response));
                else if (response is SAtom { Kind: AtomKind.Symbol, Text: "sat" or "unsat" or "unknown" } a) answer = a;
                else if (!response.IsSymbol("success")) errors.Add($"unexpected output: {response}");
            }
            await IgnoreBrokenPipe(send);

            SolverResult Unknown(UnknownReason reason, string detail) =>
                new() { Status = SolverStatus.Unknown, Reason = reason, Detail = detail, Solver = name, Elapsed = clock.Elapsed };

            if (answer is null)
            {
                if (_caller.IsCancellationRequested) return Unknown(UnknownReason.Cancelled, "cancelled");
                if (Volatile.Read(ref _killedByLimit) == 1) return Unknown(UnknownReason.Timeout, "killed at the time limit");
                var exit = _process.WaitForExit(1000) ? $"exit code {_process.ExitCode}" : "no exit";
                var why = errors.Count > 0 ? string.Join("; ", errors) : $"the solver stopped without an answer ({exit}) {stderr().Trim()}".TrimEnd();
                return Unknown(errors.Count > 0 ? UnknownReason.SolverError : UnknownReason.Crashed, why);
            }
            // An answer after an error is about a different script than the one we meant: never trust it.
            if (errors.Count > 0) return Unknown(UnknownReason.SolverError, string.Join("; ", errors));

            var elapsed = clock.Elapsed;
            _limit.CancelAfter(FollowUpBudget);
            switch (answer.Text)
            {
                case "unknown":
                {
                    var reason = await AskAsync("(get-info :reason-unknown)\n", reader, errors);
                    var text = reason is SList { Items.Count: 2 } l ? (l.Items[1] is SAtom at ? at.Text : l.Items[1].ToString()) : reason?.ToString() ?? "";
                    bool timeout = text.Contains("timeout", StringComparison.OrdinalIgnoreCase) || text.Contains("cancel", StringComparison.OrdinalIgnoreCase);
                    await IgnoreBrokenPipe(SendAsync("(exit)\n"));
                    return Unknown(timeout ? UnknownReason.Timeout : UnknownReason.Incomplete, text) with { Elapsed = elapsed };
                }
                case "unsat":
                {
                    IReadOnlyList<string> core = [];
                    if (_options.ProduceUnsatCore && await AskAsync("(get-unsat-core)\n", reader, errors) is SList coreList)
                        core = coreList.Items.OfType<SAtom>().Select(x => x.Text).ToList();
                    await IgnoreBrokenPipe(SendAsync("(exit)\n"));
                    return new SolverResult { Status = SolverStatus.Unsat, Solver = name, Elapsed = elapsed, UnsatCore = core, Detail = string.Join("; ", errors) };
                }
                default:
                {
                    SmtModel? model = null;
                    if (_options.ProduceModel && await AskAsync("(get-model)\n", reader, errors) is SList modelText)
                    {
                        try { model = SmtModel.Parse(modelText, script.Datatypes); }
                        catch (Exception e) when (e is FormatException or InvalidCastException) { errors.Add("unreadable model: " + e.Message); }
                    }
                    var values = new List<SmtValue>();
                    if (script.Observed.Count > 0 && _options.ProduceModel)
                    {
                        var ask = "(get-value (" + string.Join(' ', script.Observed) + "))\n";
                        if (await AskAsync(ask, reader, errors) is SList pairs && pairs.Items.Count == script.Observed.Count)
                        {
                            var evaluator = model ?? SmtModel.Parse(new SList([]), script.Datatypes);
                            foreach (var pair in pairs.Items.Cast<SList>()) values.Add(Value(evaluator, pair.Items[1]));
                        }
                    }
                    await IgnoreBrokenPipe(SendAsync("(exit)\n"));
                    return new SolverResult { Status = SolverStatus.Sat, Solver = name, Elapsed = elapsed, Model = model, Values = values, Detail = string.Join("; ", errors) };
                }
            }
        }

        private static SmtValue Value(SmtModel evaluator, SExpr text)
        {
            try { return evaluator.Evaluate(text); }
            catch (ModelEvaluationException) { return new OpaqueValue(text.ToString()); }
        }

        private async Task<SExpr?> AskAsync(string command, SExprReader reader, List<string> errors)
        {
            if (!await IgnoreBrokenPipe(SendAsync(command))) return null;
            var response = await ReadAsync(reader, errors);
            if (response?.Head == "error")
            {
                errors.Add(ErrorText(response));
                return null;
            }
            return response;
        }

        private static async Task<SExpr?> ReadAsync(SExprReader reader, List<string> errors)
        {
            try
            {
                return await reader.ReadAsync(CancellationToken.None);
            }
            catch (Exception e) when (e is FormatException or IOException or ObjectDisposedException)
            {
                errors.Add("unreadable solver output: " + e.Message);
                return null;
            }
        }

        private async Task SendAsync(string text)
        {
            await _process.StandardInput.WriteAsync(text);
            await _process.StandardInput.FlushAsync();
        }

        // The solver may die (or be killed) while we write: its answer, or its absence, tells what happened.
        private static async Task<bool> IgnoreBrokenPipe(Task write)
        {
            try
            {
                await write;
                return true;
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                return false;
            }
        }

        private static string ErrorText(SExpr error) =>
            error is SList { Items.Count: > 1 } l && l.Items[1] is SAtom a ? a.Text.Trim() : error.ToString();

        public void Dispose()
        {
            _registration.Dispose();
            _limit.Dispose();
        }
    }
}
