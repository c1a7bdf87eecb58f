using Switchboard.PolicyCheck.Network;
using Switchboard.PolicyCheck.Scenarios;
using Switchboard.PolicyCheck.Smt;
using Switchboard.PolicyCheck.Verification;

namespace Switchboard.PolicyCheck.Tests.Verification;

/// <summary>The shipped example networks are regression tests: every invariant gets the verdict its <c>expect</c> names.</summary>
public class ExampleNetworkTests
{
    private static string Examples()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Switchboard.slnx"))) dir = Path.GetDirectoryName(dir)!;
        return Path.Combine(dir, "examples", "networks");
    }

    [TestCase("guest-failover.json")]
    [TestCase("enterprise.json")]
    [TestCase("data-isolation-cache.json")]
    [TestCase("multitenant-misconfigured.json")]
    [TestCase("isp-scrubber-bypass.json")]
    public async Task ExampleMeetsItsExpectations(string file)
    {
        var loaded = NetworkLoader.Load(Path.Combine(Examples(), file));
        Assert.That(loaded.Errors, Is.Empty, loaded.FormatErrors());
        var results = await new NetworkVerifier(new Z3Solver()) { Parallelism = 2 }.VerifyAllAsync(loaded.Network!);
        Assert.That(results.Where(r => r.MeetsExpectation != true).Select(r => r.ToString()), Is.Empty);
    }

    [Test]
    public void GeneratedExamplesAreUpToDate()
    {
        foreach (var scenario in ScenarioCatalog.Examples())
        {
            var path = Path.Combine(Examples(), scenario.Name + ".json");
            Assert.That(File.Exists(path), $"{path} is missing: run switchboard verify --generate examples/networks");
            Assert.That(File.ReadAllText(path), Is.EqualTo(scenario.Json), $"{path} is stale: run switchboard verify --generate examples/networks");
        }
    }
}
