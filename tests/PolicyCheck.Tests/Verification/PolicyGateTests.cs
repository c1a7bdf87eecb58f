using Switchboard.PolicyCheck.Network;
using Switchboard.PolicyCheck.Smt;
using Switchboard.PolicyCheck.Verification;

namespace Switchboard.PolicyCheck.Tests.Verification;

/// <summary>The activation-gate API: a network built in code (chains as paths, NF models by name), verdicts with traces.</summary>
public class PolicyGateTests
{
    private static NetworkBuilder Network(object firewallConfig, string model = "LearningFirewall") => new NetworkBuilder()
        .Group("inside", "10.0.1.0/24").Group("outside", "10.0.2.0/24")
        .Host("client", "inside").Host("server", "outside")
        .Function("fw", model, firewallConfig)
        .Chain("client", ["fw"], "server")
        .Chain("server", ["fw"], "client")
        .Invariant("no-unsolicited", InvariantKinds.FlowIsolation, "outside", "client")
        .Invariant("client-reaches-server", InvariantKinds.Isolation, "client", "server", expect: "violated");

    private static readonly SolverOptions Options = new() { Timeout = TimeSpan.FromSeconds(20) };

    [Test]
    public async Task AllowsWhenEveryInvariantIsAsRequired()
    {
        var decision = await PolicyGate.CheckAsync(Network(new { acl = new[] { new[] { "inside", "outside" } } }), solver: new Z3Solver(), options: Options);
        Assert.That(decision.Allowed, Is.True, decision.Message);
        Assert.That(decision.Results.Select(r => r.Verdict), Is.EqualTo(new[] { Verdict.Holds, Verdict.Violated }));
    }

    [Test]
    public async Task RefusesWithTheCounterexample()
    {
        var decision = await PolicyGate.CheckAsync(Network(new { acl = new[] { new[] { "inside", "outside" }, new[] { "outside", "inside" } } }),
            solver: new Z3Solver(), options: Options);
        Assert.That(decision.Allowed, Is.False);
        Assert.That(decision.Results.Where(r => r.MeetsExpectation != true).Select(r => r.Invariant.Name), Is.EqualTo(new[] { "no-unsolicited" }));
        Assert.That(decision.Message, Does.Contain("activation refused").And.Contain("server sends").And.Contain("client receives"));
    }

    [Test]
    public async Task UnknownRefusesUnlessTheOperatorAcceptsIt()
    {
        var dir = Directory.CreateTempSubdirectory("policycheck-gate-").FullName;
        try
        {
            var fake = Path.Combine(dir, "slow-solver");
            File.WriteAllText(fake, "#!/bin/sh\nexec sleep 30\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            var network = Network(new { acl = new[] { new[] { "inside", "outside" } } });
            var options = new SolverOptions { Timeout = TimeSpan.FromMilliseconds(50) };
            var refused = await PolicyGate.CheckAsync(network, solver: new Z3Solver(fake), options: options);
            Assert.That(refused.Allowed, Is.False);
            Assert.That(refused.Message, Does.Contain("could not be decided"));
            var accepted = await PolicyGate.CheckAsync(network, solver: new Z3Solver(fake), acceptUnknown: true, options: options);
            Assert.That(accepted.Allowed, Is.True, accepted.Message);
            Assert.That(accepted.Message, Does.Contain("WARNING").And.Contain("UNKNOWN"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public async Task InvalidDescriptionsRefuseWithLocatedErrors()
    {
        var decision = await PolicyGate.CheckAsync(new NetworkBuilder().Group("g", "10.0.0.0/24").Host("h", "nope"), solver: new Z3Solver());
        Assert.That(decision.Allowed, Is.False);
        Assert.That(decision.Message, Does.Contain("unknown policy group 'nope'"));
    }

    [Test]
    public async Task APluginsOwnModelCanBeUsedByName()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Switchboard.slnx"))) root = Path.GetDirectoryName(root)!;
        var catalog = ModelCatalog.Library.WithModelFile(File.ReadAllText(Path.Combine(root, "Plugins/Ips/ips.vmn")), "Plugins/Ips/ips.vmn");
        var network = new NetworkBuilder()
            .Group("a", "10.0.1.0/24").Group("b", "10.0.2.0/24")
            .Host("h1", "a").Host("h2", "b")
            .Function("ips", "SnortIps")
            .Chain("h1", ["ips"], "h2")
            .Invariant("through-ips", InvariantKinds.Traversal, "a", "h2", through: ["ips"]);
        var decision = await PolicyGate.CheckAsync(network, catalog, new Z3Solver(), options: Options);
        Assert.That(decision.Allowed, Is.True, decision.Message);
    }
}
