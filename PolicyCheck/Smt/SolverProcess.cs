using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Switchboard.PolicyCheck.Smt;

/// <summary>A running solver child process speaking SMT-LIB2 on stdin/stdout, with its stderr collected and one
/// reader over its stdout for its whole life (the reader buffers, so a pooled process keeps it between queries).</summary>
internal sealed class SolverProcess : IAsyncDisposable
{
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
    private readonly StringBuilder _stderr = new();

    private SolverProcess(Process process)
    {
        Process = process;
        Reader = new SExprReader(process.StandardOutput);
    }

    public Process Process { get; }
    public SExprReader Reader { get; }
    public int Id => Process.Id;
    public bool HasExited
    {
        get
        {
            try { return Process.HasExited; }
            catch (Exception e) when (e is InvalidOperationException or Win32Exception) { return true; }
        }
    }

    public static SolverProcess Start(string executable, IEnumerable<string> arguments, string debianPackage)
    {
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
        foreach (var a in arguments) start.ArgumentList.Add(a);
        var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception)
        {
            process.Dispose();
            throw new SolverNotFoundException(executable, debianPackage);
        }
        var result = new SolverProcess(process);
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (result._stderr) result._stderr.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        return result;
    }

    public string Stderr()
    {
        lock (_stderr) return _stderr.ToString();
    }

    public void ClearStderr()
    {
        lock (_stderr) _stderr.Clear();
    }

    public void Kill()
    {
        try
        {
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception or NotSupportedException) { /* already gone */ }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            await Process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException) { /* reaped by the OS once killed */ }
        Process.Dispose();
    }
}
