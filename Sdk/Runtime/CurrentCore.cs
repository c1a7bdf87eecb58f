namespace Switchboard.Sdk.Runtime;

/// <summary>
/// Which pipeline core the calling thread is. The host's worker threads call <see cref="Set"/> once at
/// start; every other thread (control plane, setup, timers on the thread pool) reads -1. The state
/// abstractions use it to enforce ownership: a partition may only be touched by its core, a
/// bounded-consistency store only written by its writer.
/// </summary>
internal static class CurrentCore
{
    /// <summary>The id used for threads that are not pipeline workers.</summary>
    public const int None = -1;

    // Stored as id + 1 so that the default (0) of a fresh thread means "not a worker".
    [ThreadStatic] private static int t_idPlusOne;

    /// <summary>The calling thread's core id, or -1 when it is not a worker thread.</summary>
    public static int Id => t_idPlusOne - 1;

    /// <summary>Mark the calling thread as the worker of <paramref name="coreId"/> (-1 clears it).</summary>
    internal static void Set(int coreId)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(coreId, None);
        t_idPlusOne = coreId + 1;
    }

    /// <summary>Human-readable name of a core id for error messages.</summary>
    internal static string Describe(int coreId) => coreId == None ? "a non-worker (control-plane) thread" : $"core {coreId}";
}
