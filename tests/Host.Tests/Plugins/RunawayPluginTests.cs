using Switchboard.Host.Config;
using Switchboard.Host.Plugins;
using Switchboard.Host.Runtime;
using Switchboard.Host.Tests.Config;

namespace Switchboard.Host.Tests.Plugins;

/// <summary>Plugin setup code that does not return (a constructor or Build that spins) fails the load or the
/// activation within the time limit instead of hanging the caller.</summary>
[NonParallelizable]
public class RunawayPluginTests
{
    // Spins for about a second and a half, then returns (so the test process gets its CPU back soon after).
    private const string Spin = """
        var end = System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency * 3 / 2;
        while (System.Diagnostics.Stopwatch.GetTimestamp() < end) { }
        """;

    private static string Source(string constructor, string build) => $$"""
        using Switchboard.Sdk;
        namespace Acme.Counter;
        [NetworkFunction("counter", Description = "counts packets")]
        public sealed class CounterNf : INetworkFunction
        {
            public CounterNf() { {{constructor}} }
            public Pipe Build(Pipe input, NfContext context) { {{build}} return input; }
        }
        """;

    private TimeSpan _limit;

    [SetUp]
    public void ShortLimit()
    {
        _limit = PluginCode.TimeLimit;
        PluginCode.TimeLimit = TimeSpan.FromMilliseconds(200);
    }

    [TearDown]
    public void RestoreLimit() => PluginCode.TimeLimit = _limit;

    [Test]
    public void A_constructor_that_does_not_return_refuses_the_package()
    {
        using var dir = new TempDir();
        var pkg = PluginFixtures.Vendor(dir, source: Source(Spin, ""));
        var e = Assert.Throws<PluginRefusedException>(() => new PluginCatalog().Load(pkg))!;
        Assert.That(e.Problems.Single().ToString(), Does.Contain("Acme.Counter.CounterNf").And.Contain("the constructor did not return within 0.2 s"));
    }

    [Test]
    public void A_build_that_does_not_return_fails_the_dataplane_build_with_the_nf_named()
    {
        using var dir = new TempDir();
        PluginFixtures.Vendor(dir, "acme", source: Source("", Spin));
        var plugins = new DeploymentPlugins();
        var result = DeploymentLoader.Parse("""
            {
              "cores": 1,
              "plugins": ["acme"],
              "ports": { "gen": { "type": "generator", "count": 10 }, "sink": { "type": "null" } },
              "nfs": { "c": { "type": "counter" } },
              "chains": [ { "from": "gen", "through": ["c"], "to": "sink" } ]
            }
            """, Path.Combine(dir.Path, "plugins.json"), NfRegistry.BuiltIn().Names, plugins: plugins.Load);
        Assert.That(result.Errors, Is.Empty, result.FormatErrors());
        var registry = NfRegistry.BuiltIn();
        registry.AddPlugins(plugins.Catalog!);
        var e = Assert.Throws<DeploymentException>(() => Dataplane.Build(result.Deployment!, registry, _ => { }))!;
        Assert.That(e.Message, Does.Contain("NF 'c'").And.Contain("Build did not return within 0.2 s"));
    }

    [Test]
    public void Setup_code_that_throws_still_reports_its_exception()
    {
        var e = Assert.Throws<InvalidOperationException>(() => PluginCode.Run<int>(() => throw new InvalidOperationException("boom"), "x"))!;
        Assert.That(e.Message, Is.EqualTo("boom"));
        Assert.That(PluginCode.Run(() => 42, "x"), Is.EqualTo(42));
    }
}
