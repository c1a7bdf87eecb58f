using System.Diagnostics;

namespace Switchboard.PolicyCheck.Smt;

/// <summary>
/// Runs a solver as a child process speaking SMT-LIB2 on stdin/stdout: the options, the script and
/// <c>(check-sat)</c> go in; the answer comes back, then (on sat) the model and observed values, (on unsat) the
/// core. The process is killed when the time limit passes (with a short grace for the solver's own limit) or the
/// caller cancels; either way the result is unknown. A fresh process per query keeps queries independent; a solver
/// with a <see cref="SolverProcessPool"/> (pooled z3) runs each query in a reused process after <c>(reset)</c> instead.
/// </summary>
public abstract class ProcessSolver : ISolver
{
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

    /// <summary>The pool of long-lived solver processes queries run in, or null for a fresh process per query.</summary>
    private protected SolverProcessPool? Pool { get; init; }

    private async Task<SolverResult> RunOnceAsync(SmtScript script, SolverOptions options, CancellationToken cancellationToken)
    {
        var executable = ResolveExecutable() ?? throw new SolverNotFoundException(_executablePath ?? ExecutableName, DebianPackage);
        if (Pool is { } pool) return await RunPooledAsync(pool, executable, script, options, cancellationToken);
        var clock = Stopwatch.StartNew();
        var process = SolverProcess.Start(executable, Arguments(options), DebianPackage);
        var session = new Session(process, options, cancellationToken, keepAlive: false);
        try
        {
            return await session.RunAsync(script, Preamble(options), Name, clock, syncMarker: null);
        }
        finally
        {
            session.Dispose();
            await process.DisposeAsync();
        }
    }

    private static long _syncCounter;

    // One query in a pooled process: "(reset)" first, so the solver starts from nothing (no assertions, declarations or
    // options left from the query before — a fresh solver per query, without the cost of a process), then an echoed
    // marker that the reader waits for, so nothing left over from an earlier conversation is taken for this answer.
    // A process that was killed (time limit, cancellation), crashed or printed an error is not reused; a reused process
    // that turns out dead is replaced once.
    private async Task<SolverResult> RunPooledAsync(SolverProcessPool pool, string executable, SmtScript script, SolverOptions options,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        for (int attempt = 0; ; attempt++)
        {
            var (process, reused) = pool.Rent(() => SolverProcess.Start(executable, Arguments(options), DebianPackage));
            process.ClearStderr();
            var marker = $"sb.sync.{Interlocked.Increment(ref _syncCounter)}";
            var session = new Session(process, options, cancellationToken, keepAlive: true);
            bool healthy = false;
            try
            {
                var preamble = $"(reset)\n(echo \"{marker}\")\n" + PooledPreamble(options);
                var result = await session.RunAsync(script, preamble, Name, clock, marker);
                session.Dispose();
                healthy = session.Clean;
                if (!healthy && reused && attempt == 0 && result.Reason == UnknownReason.Crashed && !cancellationToken.IsCancellationRequested)
                    continue;
                return result;
            }
            finally
            {
                session.Dispose();
                if (healthy) pool.Return(process);
                else await pool.DiscardAsync(process);
            }
        }
    }

    /// <summary>Commands sent before the script in a pooled process, after <c>(reset)</c>: every option the preamble may
    /// set must be set explicitly here, so none carries over from the query before.</summary>
    protected virtual string PooledPreamble(SolverOptions options) => Preamble(options);

    /// <summary>One conversation with a running solver; owns the kill timer.</summary>
    private sealed class Session : IDisposable
    {
        // After the answer the model and values still need reading; they get their own budget.
        private static readonly TimeSpan FollowUpBudget = TimeSpan.FromSeconds(20);
        private readonly SolverProcess _solverProcess;
        private readonly Process _process;
        private readonly bool _keepAlive;
        private readonly CancellationToken _caller;
        private readonly SolverOptions _options;
        private readonly CancellationTokenSource _limit;
        private readonly CancellationTokenRegistration _registration;
        private int _killedByLimit;
        private int _killed;
        private bool _answered, _faulted, _disposed;

        public Session(SolverProcess process, SolverOptions options, CancellationToken caller, bool keepAlive)
        {
            _solverProcess = process;
            _process = process.Process;
            _keepAlive = keepAlive;
            _caller = caller;
            _options = options;
            _limit = CancellationTokenSource.CreateLinkedTokenSource(caller);
            _registration = _limit.Token.Register(() =>
            {
                if (!_caller.IsCancellationRequested) Interlocked.Exchange(ref _killedByLimit, 1);
                Interlocked.Exchange(ref _killed, 1);
                _solverProcess.Kill();
            });
            _limit.CancelAfter(options.Timeout + Grace(options.Timeout));
        }

        private static TimeSpan Grace(TimeSpan timeout) =>
            TimeSpan.FromMilliseconds(Math.Clamp(timeout.TotalMilliseconds * 0.1, 100, 1000));

        /// <summary>The conversation ended with an answer, no error, no kill: the process may serve another query.</summary>
        public bool Clean => _answered && !_faulted && Volatile.Read(ref _killed) == 0 && !_process.HasExited;

        public async Task<SolverResult> RunAsync(SmtScript script, string preamble, string name, Stopwatch clock, string? syncMarker)
        {
            var result = await ConverseAsync(script, preamble, name, clock, syncMarker);
            _answered = result.IsDefinite || result.Reason is UnknownReason.Timeout or UnknownReason.Incomplete;
            _faulted |= result.Reason is UnknownReason.SolverError or UnknownReason.Crashed or UnknownReason.Cancelled || result.Detail.Length > 0 && result.IsDefinite;
            return result;
        }

        private async Task<SolverResult> ConverseAsync(SmtScript script, string preamble, string name, Stopwatch clock, string? syncMarker)
        {
            var reader = _solverProcess.Reader;
            var errors = new List<string>();
            Func<string> stderr = _solverProcess.Stderr;
            var send = SendAsync(preamble + script + "(check-sat)\n");

            // A pooled process: skip everything up to our marker (output of an earlier conversation).
            if (syncMarker is not null)
            {
                while (true)
                {
                    var response = await ReadAsync(reader, errors);
                    if (response is null) break;
                    if (response is SAtom { Text: var text } && text == syncMarker) break;
                }
                errors.Clear();
            }

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
                    await Exit();
                    return Unknown(timeout ? UnknownReason.Timeout : UnknownReason.Incomplete, text) with { Elapsed = elapsed };
                }
                case "unsat":
                {
                    IReadOnlyList<string> core = [];
                    if (_options.ProduceUnsatCore && await AskAsync("(get-unsat-core)\n", reader, errors) is SList coreList)
                        core = coreList.Items.OfType<SAtom>().Select(x => x.Text).ToList();
                    await Exit();
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
                    await Exit();
                    return new SolverResult { Status = SolverStatus.Sat, Solver = name, Elapsed = elapsed, Model = model, Values = values, Detail = string.Join("; ", errors) };
                }
            }
        }

        private async Task Exit()
        {
            if (!_keepAlive) await IgnoreBrokenPipe(SendAsync("(exit)\n"));
        }

        private static SmtValue Value(SmtModel evaluator, SExpr text)
        {
            try { return evaluator.Evaluate(text); }
            catch (ModelEvaluationException) { return new OpaqueValue(text.ToString()); }
        }

        private async Task<SExpr?> AskAsync(string command, SExprReader reader, List<string> errors)
        {
            if (!await IgnoreBrokenPipe(SendAsync(command))) { _faulted = true; return null; }
            var response = await ReadAsync(reader, errors);
            if (response is null) _faulted = true;
            if (response?.Head == "error")
            {
                _faulted = true;
                errors.Add(ErrorText(response));
                return null;
            }
            return response;
        }

        private async Task<SExpr?> ReadAsync(SExprReader reader, List<string> errors)
        {
            try
            {
                return await reader.ReadAsync(CancellationToken.None);
            }
            catch (Exception e) when (e is FormatException or IOException or ObjectDisposedException)
            {
                _faulted = true;
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
            if (_disposed) return;
            _disposed = true;
            _registration.Dispose();
            _limit.Dispose();
        }
    }
}
