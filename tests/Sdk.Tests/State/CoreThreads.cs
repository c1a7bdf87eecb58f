using System.Collections.Concurrent;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Sdk.Tests.State;

/// <summary>Runs test bodies on real threads that present themselves as pipeline cores.</summary>
internal static class CoreThreads
{
    // Generous hang guard: a join that never returns means a deadlock, which must fail, not hang the suite.
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    /// <summary>Run <paramref name="body"/> concurrently on one thread per entry of <paramref name="cores"/>
    /// (each marked with CurrentCore.Set(core); -1 = a non-worker thread); rethrow the first failure.</summary>
    public static void Run(int[] cores, Action<int> body)
    {
        var failures = new ConcurrentQueue<Exception>();
        var threads = new Thread[cores.Length];
        for (int i = 0; i < cores.Length; i++)
        {
            int core = cores[i];
            threads[i] = new Thread(() =>
            {
                CurrentCore.Set(core);
                try { body(core); }
                catch (Exception e) { failures.Enqueue(e); }
            }) { IsBackground = true, Name = $"test-core-{core}" };
        }
        foreach (var t in threads) t.Start();
        foreach (var t in threads)
            if (!t.Join(HangGuard)) Assert.Fail($"{t.Name} did not finish (deadlock?)");
        if (failures.TryDequeue(out var first)) throw new AggregateException(failures.Prepend(first));
    }

    /// <summary>Run <paramref name="f"/> on a fresh thread marked as <paramref name="core"/> and return its result
    /// (or rethrow its exception).</summary>
    public static T On<T>(int core, Func<T> f)
    {
        T result = default!;
        Exception? error = null;
        var t = new Thread(() =>
        {
            CurrentCore.Set(core);
            try { result = f(); }
            catch (Exception e) { error = e; }
        }) { IsBackground = true };
        t.Start();
        if (!t.Join(HangGuard)) Assert.Fail("thread did not finish");
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        return result;
    }

    /// <summary><see cref="On{T}(int, Func{T})"/> for actions.</summary>
    public static void On(int core, Action a) => On(core, () => { a(); return 0; });
}
