using System.Runtime.ExceptionServices;

namespace Switchboard.Host.Plugins;

/// <summary>
/// Runs plugin code the host waits for (an NF's constructor, its <c>Build</c>) on a thread of its own with a time
/// limit, so a plugin that never returns fails the load or activation with an error instead of hanging the
/// control plane or the switch's start. .NET cannot stop a thread, so a runaway keeps its thread (and its load
/// context) until the process exits; the error says so. The per-packet path is not run here: the watchdog covers it.
/// </summary>
internal static class PluginCode
{
    /// <summary>How long plugin setup code may run (tests lower it).</summary>
    public static TimeSpan TimeLimit { get; set; } = TimeSpan.FromSeconds(10);

    public static T Run<T>(Func<T> code, string what)
    {
        T result = default!;
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try { result = code(); }
            catch (Exception e) { error = ExceptionDispatchInfo.Capture(e); }
        })
        { IsBackground = true, Name = "sb-plugin-setup" };
        thread.Start();
        var limit = TimeLimit;
        if (!thread.Join(limit))
            throw new PluginCodeTimeoutException(
                $"{what} did not return within {limit.TotalSeconds:g} s; its thread keeps running (.NET cannot stop it), so the " +
                "plugin's load context cannot be collected until the switch restarts");
        error?.Throw();
        return result;
    }
}

/// <summary>Plugin setup code ran past <see cref="PluginCode.TimeLimit"/>.</summary>
internal sealed class PluginCodeTimeoutException(string message) : Exception(message);
