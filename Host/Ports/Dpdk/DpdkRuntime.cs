using Switchboard.Host.Config;
using Switchboard.Host.Runtime;

namespace Switchboard.Host.Ports.Dpdk;

/// <summary>
/// What a deployment with DPDK ports needs before its ports exist: the EAL (started once per process) and
/// one packet mempool shared by its DPDK ports. Deployments without DPDK ports never touch DPDK, so the
/// host runs with managed ports wherever DPDK is missing.
/// </summary>
internal sealed class DpdkRuntime : IDisposable
{
    private DpdkRuntime(DpdkPool pool) => Pool = pool;

    public DpdkPool Pool { get; }

    /// <summary>Null when the deployment has no DPDK port. Throws <see cref="DeploymentException"/> saying why DPDK
    /// cannot be used when it is missing or fails to start.</summary>
    public static DpdkRuntime? For(Deployment d, Action<string>? log)
    {
        var dpdkPorts = d.Ports.Values.OfType<DpdkPortSpec>().Select(p => p.Name).ToList();
        if (dpdkPorts.Count == 0) return null;
        try
        {
            DpdkEal.Initialize(d.Dpdk.Eal, log);
            return new DpdkRuntime(new DpdkPool(d.Dpdk.MempoolSize, d.Dpdk.CacheSize));
        }
        catch (DpdkUnavailableException e)
        {
            throw new DeploymentException([
                e.Message.TrimEnd('.') + (e.Message.EndsWith('?') ? "" : "."),
                $"DPDK port(s) {string.Join(", ", dpdkPorts)} cannot be created; deployments using only managed ports " +
                $"({string.Join(", ", PortKinds.Available.Where(k => k != PortKinds.Dpdk))}) run without DPDK.",
            ]);
        }
    }

    public void Dispose() => Pool.Dispose();
}
