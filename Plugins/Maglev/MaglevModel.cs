using Switchboard.Sdk;

namespace Switchboard.Plugins.Maglev;

/// <summary>
/// Translates the load balancer's config into lb.vmn's <c>MaglevLoadBalancer(backends)</c> for the host's activation
/// gate. Only "nat" mode is what the model says (the destination IPv4 address becomes the backend's); its backends are
/// every configured backend with its address, weight-0 spares included, since the control plane may weight them in
/// later and the model's <c>pick_backend</c> oracle may choose any of them (a superset of the Maglev table's choices).
/// "dsr" mode rewrites only the destination MAC, which the model cannot say without changing the IP destination,
/// so it returns null and the gate reports unknown.
/// </summary>
internal static class MaglevModel
{
    public static ModelConfiguration? Translate(MaglevConfig cfg)
    {
        if (cfg.Mode != MaglevMode.Nat) return null;
        var addresses = new List<string>();
        foreach (var b in cfg.Backends)
        {
            uint a = b.Ip!.Value;
            addresses.Add("\"" + $"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}" + "\"");
        }
        return new ModelConfiguration("MaglevLoadBalancer", "{\"backends\":[" + string.Join(",", addresses) + "]}");
    }
}
