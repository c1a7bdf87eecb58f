using System.Net.Sockets;
using System.Text.Json;

namespace Switchboard.Host.Config;

/// <summary>Ports as parsed: the specs, plus every declared name with its kind (null when the type was invalid),
/// so later reference checks neither miss a declared port nor cascade errors from a broken one.</summary>
internal sealed class PortTable
{
    public Dictionary<string, PortSpec> Specs { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string?> Declared { get; } = new(StringComparer.Ordinal);

    public static bool CanReceive(string kind) => kind is PortKinds.Generator or PortKinds.PcapIn or PortKinds.Dpdk;
    public static bool CanSend(string kind) => kind is PortKinds.PcapOut or PortKinds.Null or PortKinds.Dpdk;
}

internal static class PortKinds
{
    public const string Generator = "generator", PcapIn = "pcap-in", PcapOut = "pcap-out", Null = "null", Dpdk = "dpdk";
    public static readonly string[] Available = [Generator, PcapIn, PcapOut, Null, Dpdk];
}

/// <summary>Validates <c>$.ports</c>: one object per port, discriminated by <c>type</c>.</summary>
internal static class PortParser
{
    public static PortTable Parse(ObjectView? ports, string baseDirectory, Diagnostics diag)
    {
        var table = new PortTable();
        if (ports is null) return table;
        var outputFiles = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in ports.Properties())
        {
            var name = property.Name;
            var path = ports.ChildPath(name);
            ConfigNames.Check(name, path, "port", diag);
            var spec = ParseOne(name, path, property.Value, baseDirectory, diag);
            table.Declared[name] = spec?.Kind;
            if (spec is null) continue;
            spec = spec with { Prefixes = Prefixes(ObjectView.From(property.Value, path, diag)!, diag) };
            table.Specs[name] = spec;
            if (spec is PcapOutPortSpec output && !outputFiles.TryAdd(output.File, name))
                diag.Error(JsonPath.Key(path, "file"), $"port '{outputFiles[output.File]}' already writes {output.File}");
        }
        DpdkConfigParser.CheckDistinctDevices(table.Specs.Values, diag);
        return table;
    }

    private static PortSpec? ParseOne(string name, string path, JsonElement value, string baseDirectory, Diagnostics diag)
    {
        var port = ObjectView.From(value, path, diag);
        if (port is null) return null;
        var type = port.String("type", required: true);
        switch (type)
        {
            case null:
                return null;
            case PortKinds.Generator:
                return Generator(name, port, diag);
            case PortKinds.PcapIn:
                port.RejectUnknownKeys("type", "file", "loop", "prefixes");
                return new PcapInPortSpec(name, path)
                {
                    File = InputFile(port, baseDirectory, diag) ?? "",
                    Loop = port.Bool("loop") ?? false,
                };
            case PortKinds.PcapOut:
                port.RejectUnknownKeys("type", "file", "snapLength", "prefixes");
                return new PcapOutPortSpec(name, path)
                {
                    File = OutputFile(port, baseDirectory, diag) ?? "",
                    SnapLength = (int)(port.Integer("snapLength", 1, 262144) ?? 65535),
                };
            case PortKinds.Null:
                port.RejectUnknownKeys("type", "prefixes");
                return new NullPortSpec(name, path);
            case PortKinds.Dpdk:
                return DpdkConfigParser.Port(name, port, baseDirectory, diag);
            default:
                diag.Error(port.ChildPath("type"), $"unknown port type '{type}'{NearestName.Hint(type, PortKinds.Available)}; port types: {string.Join(", ", PortKinds.Available)}");
                return null;
        }
    }

    /// <summary>The IPv4 prefixes the port's traffic comes from (the activation gate's policy group); empty when not declared.</summary>
    private static IReadOnlyList<string> Prefixes(ObjectView port, Diagnostics diag)
    {
        var items = port.Strings("prefixes");
        if (items is null) return [];
        if (items.Count == 0) diag.Error(port.ChildPath("prefixes"), "expected at least one IPv4 prefix, e.g. \"10.0.0.0/8\"");
        var list = new List<string>();
        foreach (var (text, path) in items)
        {
            if (Cidr.Problem(text, out var family) is { } problem) diag.Error(path, problem);
            else if (family != AddressFamily.InterNetwork) diag.Error(path, "expected an IPv4 prefix (the activation gate's network is IPv4)");
            else list.Add(text);
        }
        return list;
    }

    private static GeneratorPortSpec Generator(string name, ObjectView port, Diagnostics diag)
    {
        port.RejectUnknownKeys("type", "flows", "packetSize", "tcpShare", "rateMpps", "sourceNet", "destinationNet", "seed", "count", "prefixes");
        var spec = new GeneratorPortSpec(name, port.Path);
        var (min, max) = PacketSize(port, diag);
        var sourceNet = Network(port, "sourceNet", spec.SourceNet, diag, out var sourceFamily);
        var destinationNet = Network(port, "destinationNet", spec.DestinationNet, diag, out var destinationFamily);
        if (sourceFamily != AddressFamily.Unspecified && destinationFamily != AddressFamily.Unspecified && sourceFamily != destinationFamily)
            diag.Error(port.ChildPath(port.TryGet("destinationNet", out _) ? "destinationNet" : "sourceNet"),
                "sourceNet and destinationNet must be the same address family (both IPv4 or both IPv6)");
        return spec with
        {
            Flows = (int)(port.Integer("flows", 1, 1_000_000) ?? spec.Flows),
            MinSize = min,
            MaxSize = max,
            TcpShare = port.Number("tcpShare", 0, 1) ?? spec.TcpShare,
            RateMpps = port.Number("rateMpps", 0, double.PositiveInfinity) ?? spec.RateMpps,
            SourceNet = sourceNet,
            DestinationNet = destinationNet,
            Seed = (int)(port.Integer("seed", int.MinValue, int.MaxValue) ?? spec.Seed),
            Count = port.Integer("count", 0, long.MaxValue) ?? spec.Count,
        };
    }

    private const int MinFrame = 60, MaxFrame = 1514, DefaultFrame = 64;

    // An integer, or [min, max].
    private static (int Min, int Max) PacketSize(ObjectView port, Diagnostics diag)
    {
        if (!port.TryGet("packetSize", out var v)) return (DefaultFrame, DefaultFrame);
        var path = port.ChildPath("packetSize");
        if (v.ValueKind == JsonValueKind.Number)
        {
            int size = (int)(ObjectView.IntegerValue(v, path, MinFrame, MaxFrame, diag) ?? DefaultFrame);
            return (size, size);
        }
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() != 2)
        {
            diag.Error(path, $"expected a frame size {MinFrame}..{MaxFrame} or a range [min, max], got {ObjectView.Describe(v)}");
            return (DefaultFrame, DefaultFrame);
        }
        var min = ObjectView.IntegerValue(v[0], JsonPath.Index(path, 0), MinFrame, MaxFrame, diag);
        var max = ObjectView.IntegerValue(v[1], JsonPath.Index(path, 1), MinFrame, MaxFrame, diag);
        if (min is null || max is null) return (DefaultFrame, DefaultFrame);
        if (min > max) diag.Error(path, $"range [{min}, {max}] is empty: min must be <= max");
        return ((int)min, (int)max);
    }

    private static string Network(ObjectView port, string key, string fallback, Diagnostics diag, out AddressFamily family)
    {
        family = AddressFamily.Unspecified;
        var text = port.String(key);
        if (text is null)
        {
            if (!port.TryGet(key, out _)) Cidr.Problem(fallback, out family);
            return fallback;
        }
        if (Cidr.Problem(text, out family) is { } problem) diag.Error(port.ChildPath(key), $"'{text}': {problem}");
        return text;
    }

    private static string? InputFile(ObjectView port, string baseDirectory, Diagnostics diag)
    {
        var file = FilePath(port, baseDirectory, diag);
        if (file is not null && !File.Exists(file))
            diag.Error(port.ChildPath("file"), Directory.Exists(file) ? $"{file} is a directory, not a pcap file" : $"file not found: {file}");
        return file;
    }

    private static string? OutputFile(ObjectView port, string baseDirectory, Diagnostics diag)
    {
        var file = FilePath(port, baseDirectory, diag);
        if (file is null) return null;
        if (Directory.Exists(file))
            diag.Error(port.ChildPath("file"), $"{file} is a directory; name a file inside it");
        else if (Path.GetDirectoryName(file) is { } directory && !Directory.Exists(directory))
            diag.Error(port.ChildPath("file"), $"directory not found: {directory}");
        return file;
    }

    // Relative paths are relative to the deployment file, so a config works from any working directory.
    private static string? FilePath(ObjectView port, string baseDirectory, Diagnostics diag)
    {
        var file = port.String("file", required: true);
        if (file is null) return null;
        if (file.Length == 0 || file.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            diag.Error(port.ChildPath("file"), "expected a file path");
            return null;
        }
        return Path.GetFullPath(Path.Combine(baseDirectory, file));
    }
}
