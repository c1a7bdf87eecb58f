using Switchboard.Sdk;

namespace Switchboard.Plugins.Nat;

/// <summary>
/// Translates the NAT's config into nat.vmn for the host's activation gate. Only the shape one model of the file
/// describes is translated: source NAT to a single public address without port forwards is
/// <c>NatSnat(nat_address)</c>. A pool of several addresses (one SNAT object per address plus a choosing oracle) and
/// DNAT rules (the model's translations ignore the protocol the plugin keys them by) have no single model here, so
/// they return null and the gate reports unknown.
/// <para>Where the model differs: the plugin translates only packets from an inside network to an outside one and
/// passes the rest untouched, while <c>NatSnat</c> rewrites the source of every packet not addressed to the public
/// address; and it drops unsolicited inbound packets the model forwards. Verdicts are therefore sound for chains whose
/// traffic comes from <c>insideNets</c> (declare the port's prefixes inside them).</para>
/// </summary>
internal static class NatModel
{
    public static ModelConfiguration? Translate(NatConfig cfg)
    {
        if (cfg.Pool.Length != 1 || cfg.DnatForward.Count > 0) return null;
        uint a = cfg.Pool[0];
        string address = $"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}";
        // The public address is the NAT's own: replies to it come back to this NF.
        return new ModelConfiguration("NatSnat", "{\"nat_address\":\"" + address + "\"}") { Addresses = [address] };
    }
}
