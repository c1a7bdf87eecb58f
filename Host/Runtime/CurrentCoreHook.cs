using Switchboard.Host.Ports.Dpdk;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Runtime;

/// <summary>Marks the calling thread as core <c>coreId</c> for everything in the Sdk that cares:
/// the buffer pool's per-core cache and the state abstractions' ownership checks. -1 marks a thread that is
/// done being a core: a worker about to exit gives back its DPDK lcore id and cached mbufs.</summary>
internal static class CurrentCoreHook
{
    public static void Set(int coreId)
    {
        NativePool.SetWorkerIndex(coreId);
        CurrentCore.Set(coreId);
        if (coreId < 0) DpdkEal.LeaveThread();
    }

    /// <summary>The control thread builds a replacement replica for a core whose worker is running: the NF
    /// sees that core (state ownership) but buffers come from the pool's locked path, never the running
    /// worker's unsynchronised cache. -1 ends it.</summary>
    public static void SetBuilding(int coreId)
    {
        NativePool.SetWorkerIndex(-1);
        CurrentCore.Set(coreId);
    }
}
