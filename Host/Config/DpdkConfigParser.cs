using System.Text.RegularExpressions;

namespace Switchboard.Host.Config;

/// <summary>Validates DPDK ports (<c>{"type": "dpdk", "device": ...}</c>) and the top-level <c>"dpdk"</c> section.
/// Only the text is checked here; whether DPDK runs on this machine is found out when the deployment starts.</summary>
internal static partial class DpdkConfigParser
{
    public const int MinMempool = 255, MaxMempool = 4_194_303, MaxCache = 512, MinDescriptors = 16, MaxDescriptors = 32768;
    /// <summary>net_pcap arguments that name files: resolved against the deployment file like other ports' files.</summary>
    private static readonly string[] PcapInputs = ["rx_pcap"], PcapOutputs = ["tx_pcap"];

    public static DpdkPortSpec? Port(string name, ObjectView port, string baseDirectory, Diagnostics diag)
    {
        port.RejectUnknownKeys("type", "device", "rxDescriptors", "txDescriptors", "prefixes");
        var device = port.String("device", required: true);
        int rxd = (int)(port.Integer("rxDescriptors", MinDescriptors, MaxDescriptors) ?? DpdkPortSpec.DefaultDescriptors);
        int txd = (int)(port.Integer("txDescriptors", MinDescriptors, MaxDescriptors) ?? DpdkPortSpec.DefaultDescriptors);
        if (device is null) return null;
        var resolved = Device(device, port.ChildPath("device"), baseDirectory, diag);
        return resolved is null ? null : new DpdkPortSpec(name, port.Path) { Device = resolved, RxDescriptors = rxd, TxDescriptors = txd };
    }

    /// <summary>The device string with relative pcap paths made absolute, or null (error recorded).</summary>
    private static string? Device(string device, string path, string baseDirectory, Diagnostics diag)
    {
        var parts = device.Split(',');
        var name = parts[0];
        if (!VirtualDevice().IsMatch(name) && !PciAddress().IsMatch(name))
        {
            diag.Error(path, $"'{name}' is neither a virtual device (net_pcap0, net_null0, net_ring0, net_tap0, net_af_packet0, net_memif0, ...) " +
                             "nor a PCI address (0000:01:00.0); e.g. \"net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap\"");
            return null;
        }
        bool ok = true;
        for (int i = 1; i < parts.Length; i++)
        {
            int eq = parts[i].IndexOf('=');
            if (eq <= 0 || eq == parts[i].Length - 1)
            {
                diag.Error(path, $"device argument '{parts[i]}' is not key=value");
                ok = false;
                continue;
            }
            var key = parts[i][..eq];
            var value = parts[i][(eq + 1)..];
            if (!name.StartsWith("net_pcap", StringComparison.Ordinal)) continue;
            bool input = PcapInputs.Contains(key), output = PcapOutputs.Contains(key);
            if (!input && !output) continue;
            var file = Path.GetFullPath(Path.Combine(baseDirectory, value));
            if (input && !File.Exists(file))
            {
                diag.Error(path, $"{key}: file not found: {file}");
                ok = false;
            }
            else if (output && Path.GetDirectoryName(file) is { } dir && !Directory.Exists(dir))
            {
                diag.Error(path, $"{key}: directory not found: {dir}");
                ok = false;
            }
            parts[i] = $"{key}={file}";
        }
        return ok ? string.Join(',', parts) : null;
    }

    /// <summary>Two ports cannot drive the same device.</summary>
    public static void CheckDistinctDevices(IEnumerable<PortSpec> ports, Diagnostics diag)
    {
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in ports.OfType<DpdkPortSpec>())
            if (!seen.TryAdd(p.DeviceName, p.Name))
                diag.Error(JsonPath.Key(p.Path, "device"), $"port '{seen[p.DeviceName]}' already uses device {p.DeviceName}; one port per device");
    }

    public static DpdkSettings Settings(ObjectView? section, int cores, IEnumerable<PortSpec> ports, Diagnostics diag)
    {
        var settings = new DpdkSettings();
        // Every RX ring can hold its descriptors' worth of mbufs, each core's cache up to 1.5x its size, plus bursts in flight.
        int cache = settings.CacheSize;
        long RingNeed() => ports.OfType<DpdkPortSpec>().Sum(p => (long)p.RxDescriptors * cores) + (long)cores * (cache * 3 / 2) + 1024;
        if (section is null)
        {
            long need = RingNeed();
            return need <= settings.MempoolSize ? settings : settings with { MempoolSize = (int)Math.Min(MaxMempool, (long)BitOps(need)) };
        }
        section.RejectUnknownKeys("eal", "mempoolSize", "cacheSize", "linkWaitSeconds");
        var eal = section.Strings("eal")?.Select(e => e.Value).ToList() ?? [];
        cache = (int)(section.Integer("cacheSize", 0, MaxCache) ?? settings.CacheSize);
        var size = section.Integer("mempoolSize", MinMempool, MaxMempool);
        int mempool = (int)(size ?? Math.Max(settings.MempoolSize, Math.Min(MaxMempool, BitOps(RingNeed()))));
        if (size is not null && cache * 3 / 2 > mempool)
            diag.Error(section.ChildPath("cacheSize"), $"a cache of {cache} needs a mempool of at least {cache * 3 / 2} (DPDK: cache <= size / 1.5)");
        else if (size is not null && RingNeed() > mempool)
            diag.Error(section.ChildPath("mempoolSize"),
                $"{mempool} mbufs cannot fill the DPDK ports' RX rings and per-core caches on {cores} core(s): at least {RingNeed()} are needed");
        double linkWait = section.Number("linkWaitSeconds", 0, DpdkSettings.MaxLinkWaitSeconds) ?? DpdkSettings.DefaultLinkWaitSeconds;
        return new DpdkSettings { Eal = eal, MempoolSize = mempool, CacheSize = cache, LinkWaitSeconds = linkWait };
    }

    // The next 2^n - 1 at or above n (DPDK's ring-backed mempool is exactly sized then).
    private static int BitOps(long n) => (int)Math.Min(int.MaxValue, (1L << (64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)n))) - 1);

    [GeneratedRegex(@"^(net|eth)_[a-z_]+[0-9]*\z")]
    private static partial Regex VirtualDevice();

    [GeneratedRegex(@"^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]\z")]
    private static partial Regex PciAddress();
}
