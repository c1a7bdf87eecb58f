using System.Diagnostics;
using Switchboard.Host.Plugins;

namespace Switchboard.Bench;

/// <summary>
/// Plugin package cycles for the first-party packages the build assembled (Plugins/*/bin/Release/net10.0/package):
/// open (read + manifest + metadata checks), verify, load (context + types + instantiation check), unload (until
/// the collectible context is collected). Medians over warm cycles; each cycle is a fresh catalog.
/// </summary>
internal static class PluginLoadBench
{
    public static void Run(int runs)
    {
        string root = FindRoot();
        Console.WriteLine($"Plugin packages, median of {runs} cycles (open / verify / load / unload until collected):");
        foreach (var name in new[] { "Ttl", "Monitor", "Nat", "Maglev", "Lpm", "Ips", "Firewall" })
        {
            string dir = Path.Combine(root, "Plugins", name, "bin", "Release", "net10.0", "package");
            if (!Directory.Exists(dir)) { Console.WriteLine($"  {name,-10} not built ({dir})"); continue; }
            var open = new List<double>(); var verify = new List<double>(); var load = new List<double>(); var unload = new List<double>();
            string verdict = "ok";
            for (int i = 0; i <= runs; i++)
            {
                var sw = Stopwatch.StartNew();
                var package = PluginPackage.Open(dir);
                double o = sw.Elapsed.TotalMilliseconds;
                var catalog = new PluginCatalog();
                LoadedPlugin plugin;
                try { plugin = catalog.Load(package); }
                catch (PluginRefusedException e) { verdict = $"refused ({e.Stage.ToString().ToLowerInvariant()}, {e.Problems.Count} problems)"; break; }
                var result = catalog.Unload(plugin);
                if (!result.Collected) verdict = "NOT COLLECTED";
                if (i == 0) continue; // warm-up
                open.Add(o); verify.Add(plugin.VerifyTime.TotalMilliseconds); load.Add(plugin.LoadTime.TotalMilliseconds); unload.Add(result.Elapsed.TotalMilliseconds);
            }
            Console.WriteLine(open.Count == 0
                ? $"  {name,-10} {verdict}"
                : $"  {name,-10} open {Median(open),7:F2} ms  verify {Median(verify),8:F2} ms  load {Median(load),7:F2} ms  unload {Median(unload),7:F2} ms  {verdict}");
        }
    }

    private static double Median(List<double> xs)
    {
        xs.Sort();
        return xs[xs.Count / 2];
    }

    private static string FindRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d != null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Switchboard.slnx"))) return d.FullName;
        return Directory.GetCurrentDirectory();
    }
}
