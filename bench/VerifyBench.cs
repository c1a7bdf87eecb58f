using System.Diagnostics;
using Switchboard.Host.Verification;

namespace Switchboard.Bench;

/// <summary>How long plugin IL verification takes: first-party plugins (accepted) and the Sdk (refused, but big).</summary>
internal static class VerifyBench
{
    public static void Run(int runs)
    {
        Console.WriteLine($"Plugin verification, median of {runs} warm runs over the assembly bytes:");
        foreach (var asm in new[] { typeof(Switchboard.Plugins.Ttl.TtlNf).Assembly, typeof(Switchboard.Plugins.Monitor.MonitorNf).Assembly,
                     typeof(Switchboard.Plugins.Firewall.FirewallNf).Assembly, typeof(Switchboard.Sdk.Pipe).Assembly })
        {
            var image = File.ReadAllBytes(asm.Location);
            var first = PluginVerifier.Verify(image);
            var times = new List<double>();
            for (int i = 0; i < runs; i++)
            {
                var sw = Stopwatch.StartNew();
                PluginVerifier.Verify(image);
                times.Add(sw.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            Console.WriteLine($"  {asm.GetName().Name,-32} {first.MethodsChecked,5} methods  {image.Length / 1024,5} KiB  {times[times.Count / 2],8:F2} ms  {(first.Ok ? "accepted" : $"refused ({first.Violations.Count} violations)")}");
        }
    }
}
