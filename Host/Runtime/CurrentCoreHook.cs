using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Runtime;

/// <summary>Marks the calling thread as core <c>coreId</c> for everything in the Sdk that cares:
/// the buffer pool's per-core cache and the state abstractions' ownership checks.</summary>
internal static class CurrentCoreHook
{
    public static void Set(int coreId)
    {
        NativePool.SetWorkerIndex(coreId);
        CurrentCore.Set(coreId);
    }
}
