using Switchboard.Sdk;

namespace Switchboard.Plugins.Lpm;

/// <summary>
/// Translates the router's config into lpm.vmn's <c>LpmRouter(routes, has_default)</c> for the host's activation
/// gate, per the model's header: each route becomes <c>LpmRoute((first, last + 1), length, next_hop)</c>, longest
/// prefix first; <c>default</c> present is <c>has_default</c>. A route reaching 255.255.255.255 has no
/// <c>last + 1</c> in the address space, so it is given as <c>has_default = true</c> instead (the model then forwards
/// everything: more than the plugin, never less). The translation is of the configured routes: routes the control
/// plane changes later through <see cref="LpmNf.Table"/> are not re-checked.
/// </summary>
internal static class LpmModel
{
    public static ModelConfiguration Translate(IReadOnlyList<Route> routes, bool hasDefault)
    {
        var items = new List<string>();
        foreach (var r in routes.OrderByDescending(r => r.Length))
        {
            ulong first = r.Prefix, end = first + (1UL << (32 - r.Length));
            if (end > uint.MaxValue) { hasDefault = true; continue; }
            items.Add("{\"dst\":[\"" + Address((uint)first) + "\",\"" + Address((uint)end) + "\"],\"length\":" + r.Length + ",\"next_hop\":" + r.NextHop + "}");
        }
        return new ModelConfiguration("LpmRouter", "{\"routes\":[" + string.Join(",", items) + "],\"has_default\":" + (hasDefault ? "true" : "false") + "}");
    }

    private static string Address(uint a) => $"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}";
}
