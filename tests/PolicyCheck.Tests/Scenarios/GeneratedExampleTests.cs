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

    [TestCase("data-isolation-generated-leaks.json")]
    public async Task ExampleMeetsItsExpectations(string file)
    {
        var loaded = NetworkLoader.Load(Path.Combine(Examples(), file));
        Assert.That(loaded.Errors, Is.Empty, loaded.FormatErrors());
        var results = await new NetworkVerifier(new Z3Solver()) { Parallelism = 2 }.VerifyAllAsync(loaded.Network!);
        Assert.That(results.Where(r => r.MeetsExpectation != true).Select(r => r.ToString()), Is.Empty);
        Assert.That(results.Count(r => r.Verdict == Verdict.Violated && r.Invariant.Name.StartsWith("data:", StringComparison.Ordinal)), Is.EqualTo(2),
            "one leak through the cache, one past the firewall");
    }
}
