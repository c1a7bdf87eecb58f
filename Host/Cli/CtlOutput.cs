using Google.Protobuf;
using Switchboard.Control.V1;

namespace Switchboard.Host.Cli;

/// <summary>How <c>switchboard ctl</c> prints answers: tables for people, or each proto message as JSON
/// (one object; with <c>counters --watch</c>, one object per line).</summary>
internal sealed class CtlOutput(TextWriter output, bool json)
{
    private static readonly JsonFormatter s_json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true).WithIndentation());
    private static readonly JsonFormatter s_jsonLine = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public void Status(string address, SwitchInfo info, ListPortsResponse ports)
    {
        if (Json(new StatusView(info, ports))) return;
        output.WriteLine($"Switchboard {info.Version} at {address} ({info.Runtime}, pid {info.ProcessId})");
        output.WriteLine($"  up {TimeSpan.FromSeconds(Math.Floor(info.UptimeSeconds)):c}, {info.Cores} core(s) of {info.MachineProcessors}, batch {info.BatchSize}");
        output.WriteLine($"  deployment {info.DeploymentPath}: {info.ChainCount} chain(s), {info.NfInstanceCount} NF instance(s), {info.PortCount} port(s)");
        if (info.UnavailableOperations.Count > 0)
            output.WriteLine($"  not available: {string.Join(", ", info.UnavailableOperations)}");
        output.WriteLine();
        output.Write(Table(["port", "kind", "status"], ports.Ports.Select(p => new[] { p.Name, p.Kind, p.Status }).ToList()));
    }

    public void Nfs(ListNfInstancesResponse instances, ListNfTypesResponse types)
    {
        if (Json(new NfsView(instances, types))) return;
        output.WriteLine("NF instances:");
        output.Write(Table(["instance", "type", "chains", "cores", "config"], instances.Instances
            .Select(i => new[] { i.Name, i.Type, string.Join(",", i.Chains), string.Join(",", i.Cores), i.ConfigJson }).ToList()));
        output.WriteLine();
        output.WriteLine("NF types:");
        output.Write(Table(["type", "plugin", "version", "schema", "description"], types.NfTypes
            .Select(t => new[] { t.Name, t.PluginId, t.PluginVersion, t.ConfigSchema ? "yes" : "-", t.Description }).ToList()));
    }

    public void Plugins(ListPluginsResponse plugins)
    {
        if (Json(plugins)) return;
        output.Write(Table(["plugin", "version", "source", "verified", "signer", "nf types"], plugins.Plugins.Select(p => new[]
        {
            p.Id, p.Version, p.Source, p.Verification.ToString().ToLowerInvariant(), p.Signer.Length == 0 ? "-" : p.Signer, string.Join(", ", p.NfTypes),
        }).ToList()));
    }

    public void Chains(ListChainsResponse chains)
    {
        if (Json(chains)) return;
        output.Write(Table(["chain", "path"], chains.Chains.Select(c => new[] { c.Name, Path(c) }).ToList()));
    }

    /// <summary>One snapshot; with <paramref name="previous"/>, rates over the time between them. In a stream, JSON is one line per snapshot.</summary>
    public void Counters(CounterSnapshot now, CounterSnapshot? previous, bool stream)
    {
        if (json)
        {
            output.WriteLine((stream ? s_jsonLine : s_json).Format(now));
            return;
        }
        double dt = previous is null ? now.UptimeSeconds : now.UptimeSeconds - previous.UptimeSeconds;
        string rateLabel = previous is null ? "in Mpps (avg)" : "in Mpps";
        if (previous is not null) output.WriteLine();
        output.WriteLine($"Counters at {DateTimeOffset.FromUnixTimeMilliseconds(now.UnixMs):HH:mm:ss.fff} (up {now.UptimeSeconds:F1} s):");
        output.Write(Table(["nf", "type", "in", "out", "dropped", "faulted", rateLabel, "counters"], now.Nfs.Select(n =>
        {
            long delta = n.PacketsIn - (previous?.Nfs.FirstOrDefault(p => p.Name == n.Name)?.PacketsIn ?? 0);
            string own = string.Join(", ", n.Counters.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value:N0}"));
            if (n.ParseDrops.Count > 0) own += (own.Length > 0 ? "; " : "") + "parse drops: " + string.Join(", ", n.ParseDrops.Select(d => $"{d.Value:N0} {d.Key}"));
            return new[] { n.Name, n.Type, $"{n.PacketsIn:N0}", $"{n.PacketsOut:N0}", $"{n.Dropped:N0}", $"{n.Faulted:N0}", $"{Report.Rate(delta, dt):F2}", own };
        }).ToList()));
        foreach (var n in now.Nfs.Where(n => n.LastFault.Length > 0)) output.WriteLine($"  last fault in {n.Name}: {n.LastFault}");
        output.Write(Table(["port", "kind", "rx", "tx", "tx dropped", "rx no-buf"], now.Ports.Select(p => new[]
        {
            p.Name, p.Kind, $"{p.RxPackets:N0}", $"{p.TxPackets:N0}", $"{p.TxDropped:N0}", $"{p.RxNoBuffer:N0}",
        }).ToList()));
        output.Write(Table(["core", "dropped", "rounds", "idle rounds"], now.Cores.Select(c => new[]
        {
            c.Core.ToString(), $"{c.Dropped:N0}", $"{c.Rounds:N0}", $"{(c.Rounds == 0 ? 0 : 100.0 * c.IdleRounds / c.Rounds):F1}%",
        }).ToList()));
    }

    public void Verify(VerifyResponse r)
    {
        if (Json(r)) return;
        string timing = $"{r.MethodsChecked} methods in {r.ElapsedMs:F1} ms";
        if (r.Ok) { output.WriteLine($"{r.Source}: OK ({r.Assembly}, {timing})"); return; }
        foreach (var v in r.Violations) output.WriteLine(Describe(v));
        output.WriteLine($"{r.Source}: refused, {r.Violations.Count} violation(s) ({r.Assembly}, {timing}).");
    }

    public void VerificationStatus(VerificationStatus s)
    {
        if (Json(s)) return;
        output.WriteLine($"Policy: {s.PolicySource}, sha256 {s.PolicySha256}");
        output.WriteLine($"Signed plugins required: {(s.SignatureRequired ? "yes" : "no")}");
        output.Write(Table(["plugin", "verdict", "violations", "methods", "ms"], s.Plugins.Select(p => p.Result is { } r
            ? new[] { p.PluginId, r.Ok ? "ok" : "refused", r.Violations.Count.ToString(), r.MethodsChecked.ToString(), $"{r.ElapsedMs:F1}" }
            : [p.PluginId, "unknown", "-", "-", "-"]).ToList()));
    }

    public void Loaded(LoadPluginResponse r)
    {
        if (Json(r)) return;
        output.WriteLine($"Loaded {r.Plugin.Id} {r.Plugin.Version} ({string.Join(", ", r.Plugin.NfTypes)}): verified in {r.VerifyMs:F1} ms, loaded in {r.LoadMs:F1} ms.");
    }

    public void Replaced(ReplaceNfResponse r)
    {
        if (Json(r)) return;
        output.WriteLine($"Replaced {r.Instance}: {r.OldType} -> {r.NewType} on {r.Cores} core(s) in {r.SwapMs:F1} ms; state {(r.StateTransferred ? "handed over" : "reset")}. {r.Detail}");
    }

    public void Unloaded(UnloadPluginResponse r)
    {
        if (Json(r)) return;
        output.WriteLine($"Unloaded {r.PluginId} in {r.UnloadMs:F1} ms; load context {(r.Collected ? "collected" : "NOT collected (alarm raised)")}. {r.Detail}");
    }

    public void ChainChanged(ChainInfo chain, string detail)
    {
        if (Json(chain)) return;
        output.WriteLine($"{chain.Name}: {Path(chain)}. {detail}");
    }

    public void Line(IMessage message, string text)
    {
        if (!Json(message)) output.WriteLine(text);
    }

    public static string Table(string[] header, IReadOnlyList<string[]> rows) => TextTable.Render(header, rows);

    private static string Path(ChainInfo c) => string.Join(" -> ", [c.From, .. c.Through, c.To]);

    private static string Describe(Violation v)
    {
        string where = v.Assembly;
        if (v.Type.Length > 0) where += " " + v.Type;
        if (v.Method.Length > 0) where += "::" + v.Method;
        if (v.HasIlOffset) where += $" IL_{v.IlOffset:x4}";
        return $"{where}: [{v.Rule}] {v.Message}";
    }

    private bool Json(IMessage message)
    {
        if (json) output.WriteLine(s_json.Format(message));
        return json;
    }

    // Two answers printed as one JSON object.
    private bool Json(StatusView v)
    {
        if (json) output.WriteLine($"{{\n  \"info\": {Indent(s_json.Format(v.Info))},\n  \"ports\": {Indent(s_json.Format(v.Ports))}\n}}");
        return json;
    }

    private bool Json(NfsView v)
    {
        if (json) output.WriteLine($"{{\n  \"instances\": {Indent(s_json.Format(v.Instances))},\n  \"types\": {Indent(s_json.Format(v.Types))}\n}}");
        return json;
    }

    private static string Indent(string text) => text.ReplaceLineEndings("\n  ");

    private sealed record StatusView(SwitchInfo Info, ListPortsResponse Ports);
    private sealed record NfsView(ListNfInstancesResponse Instances, ListNfTypesResponse Types);
}
