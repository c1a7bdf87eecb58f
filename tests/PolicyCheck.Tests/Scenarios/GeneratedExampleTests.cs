using Switchboard.PolicyCheck.Network;
using Switchboard.PolicyCheck.Smt;
using Switchboard.PolicyCheck.Verification;

namespace Switchboard.PolicyCheck.Tests.Scenarios;

/// <summary>The generated examples added with the data-isolation and pipeline scenarios are regression tests like the
/// others in examples/networks (their freshness is checked by ExampleNetworkTests.GeneratedExamplesAreUpToDate).</summary>
public class GeneratedExampleTests
{
    private static string Examples()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Switchboard.slnx"))) dir = Path.GetDirectoryName(dir)!;
        return Path.Combine(dir, "examples", "networks");
    }

    [TestCase("data-isolation-generated-leaks.json", 2)]
    [TestCase("isp-wrong-order.json", 2 + 2 + 2)]
    public async Task ExampleMeetsItsExpectations(string file, int violated)
    {
        var loaded = NetworkLoader.Load(Path.Combine(Examples(), file));
        Assert.That(loaded.Errors, Is.Empty, loaded.FormatErrors());
        var results = await new NetworkVerifier(new Z3Solver()) { Parallelism = 2 }.VerifyAllAsync(loaded.Network!);
        Assert.That(results.Where(r => r.MeetsExpectation != true).Select(r => r.ToString()), Is.Empty);
        Assert.That(results.Count(r => r.Verdict == Verdict.Violated && !r.Invariant.Name.StartsWith("reach:", StringComparison.Ordinal)), Is.EqualTo(violated),
            "data isolation: one leak through the cache, one past the firewall; ISP: per customer group, the bypassed scrubber's traversal and pipeline, the reordered pipeline");
    }
}
