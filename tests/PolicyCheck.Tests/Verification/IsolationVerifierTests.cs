using Switchboard.PolicyCheck.Network;
using Switchboard.PolicyCheck.Smt;
using Switchboard.PolicyCheck.Tests.Network;
using Switchboard.PolicyCheck.Verification;

namespace Switchboard.PolicyCheck.Tests.Verification;

/// <summary>The proof of concept end to end: network file -> transfer function -> SMT query -> solver -> verdict and trace.</summary>
public class IsolationVerifierTests()
{
    private static readonly SolverOptions Options = new() { Timeout = TimeSpan.FromSeconds(20), Reseeds = 1 };

    private static NetworkDescription Load(string json)
    {
        var result = NetworkLoader.Parse(json, "net.json");
        Assert.That(result.Errors, Is.Empty, result.FormatErrors());
        return result.Network!;
    }

    private Task<InvariantResult> Verify(NetworkDescription net, string invariant) =>
        new IsolationVerifier(new Z3Solver()).VerifyAsync(net, net.Invariants.Single(i => i.Name == invariant), Options);

    private static InvariantSpec Isolation(string from, string to, bool underFailures = true) =>
        new($"{from}->{to}", InvariantKinds.Isolation, from, to, [], null, underFailures, "$");

    /// <summary>h1 (group a) -> fw -> h2 (group b), and h2 back through fw; the firewall's config is the parameter.</summary>
    private static NetworkDescription Line(string firewallConfig) => Load($$"""
        {
          "policyGroups": { "a": { "prefixes": ["10.0.1.0/24"] }, "b": { "prefixes": ["10.0.2.0/24"] } },
          "hosts": [ { "name": "h1", "group": "a" }, { "name": "h2", "group": "b" } ],
          "nfs": [ { "name": "fw", "model": "acl-firewall", "config": {{firewallConfig}} } ],
          "routing": {
            "h1": [ { "dst": "*", "nextHop": "fw" } ],
            "h2": [ { "dst": "*", "nextHop": "fw" } ],
            "fw": [ { "dst": "h1", "nextHop": "h1" }, { "dst": "h2", "nextHop": "h2" } ]
          }
        }
        """);

    [Test]
    public async Task FirewallBlockingTheGroupPairHolds()
    {
        var net = Line("""{ "allow": [["b", "a"]] }""");
        var result = await new IsolationVerifier(new Z3Solver()).VerifyAsync(net, Isolation("h1", "h2"), Options);
        Assert.That(result.Verdict, Is.EqualTo(Verdict.Holds), result.ToString());
        Assert.That(result.Trace, Is.Null);
    }

    [Test]
    public async Task FirewallAllowingTheGroupPairIsViolatedWithATraceThroughIt()
    {
        var net = Line("""{ "allow": [["a", "b"]] }""");
        var result = await new IsolationVerifier(new Z3Solver()).VerifyAsync(net, Isolation("a", "h2"), Options);
        Assert.That(result.Verdict, Is.EqualTo(Verdict.Violated), result.ToString());
        var trace = result.Trace!;
        Assert.That(trace.Note, Is.Null, trace.ToString());
        Assert.That(trace.PacketEvents.Select(e => $"{e.Kind} {e.From}->{e.To}"),
            Is.EqualTo(new[] { "Send h1->fw", "Receive h1->fw", "Send fw->h2", "Receive fw->h2" }), trace.ToString());
        Assert.That(trace.PacketEvents.Select(e => e.Time), Is.Ordered.And.Unique);
        Assert.That(trace.PacketEvents.All(e => e.Packet!.Source == "10.0.1.1" && e.Packet.Destination == "10.0.2.1" && e.Packet.Origin == "h1"), trace.ToString());
        Assert.That(trace.FailedNodes, Is.Empty);
    }

    [Test]
    public async Task DenyListsMeanTheOpposite()
    {
        var net = Line("""{ "deny": [["a", "b"]] }""");
        var verifier = new IsolationVerifier(new Z3Solver());
        Assert.That((await verifier.VerifyAsync(net, Isolation("h1", "h2"), Options)).Verdict, Is.EqualTo(Verdict.Holds));
        Assert.That((await verifier.VerifyAsync(net, Isolation("h2", "h1"), Options)).Verdict, Is.EqualTo(Verdict.Violated));
    }

    [Test]
    public async Task BackupRouteBypassingTheFirewallViolatesOnlyUnderFailure()
    {
        var net = Load(NetworkSamples.Datacenter);

        var steady = await Verify(net, "guest-db-steady");
        Assert.That(steady.Verdict, Is.EqualTo(Verdict.Holds), steady.ToString());
        Assert.That(steady.MeetsExpectation, Is.True);

        var underFailure = await Verify(net, "guest-db");
        Assert.That(underFailure.Verdict, Is.EqualTo(Verdict.Violated), underFailure.ToString());
        Assert.That(underFailure.MeetsExpectation, Is.True);
        var trace = underFailure.Trace!;
        Assert.That(trace.FailedNodes, Is.EqualTo(new[] { "fw1" }), trace.ToString());
        Assert.That(trace.PacketEvents.Select(e => $"{e.Kind} {e.From}->{e.To}"), Is.EqualTo(new[] { "Send guest1->db1", "Receive guest1->db1" }), trace.ToString());
        Assert.That(trace.Events.First().Kind, Is.EqualTo(TraceEventKind.Failure), "fw1 fails before the packet passes");
        Assert.That(underFailure.ToString(), Does.Contain("guest1 sends 10.0.3.1 -> 10.0.2.10"));
        var dot = trace.ToDot();
        Assert.That(dot, Does.StartWith("digraph counterexample {"));
        Assert.That(dot, Does.Contain("\"fw1\" [style=dashed, color=red").And.Contain("\"guest1\" -> \"db1\" [label=\"t="));
    }

    [Test]
    public async Task UnfilteredPathInsideTheDatacenterIsViolatedWithoutFailures()
    {
        var net = Load(NetworkSamples.Datacenter);
        var result = await new IsolationVerifier(new Z3Solver()).VerifyAsync(net, Isolation("web2", "db", underFailures: false), Options);
        Assert.That(result.Verdict, Is.EqualTo(Verdict.Violated), result.ToString());
        Assert.That(result.Trace!.PacketEvents.First().From, Is.EqualTo("web2"));
        Assert.That(result.Trace.FailedNodes, Is.Empty);
    }
}

/// <summary>cvc5 as the backend: it proves the holding invariants; on violated ones it finds no model of these
/// quantified queries in a test's time, and must then say unknown, never holds.</summary>
public class Cvc5VerifierTests
{
    private static NetworkDescription Load(string json) => NetworkLoader.Parse(json, "net.json").Network!;

    [Test]
    public async Task ProvesTheSteadyStateInvariant()
    {
        var net = Load(NetworkSamples.Datacenter);
        var result = await new IsolationVerifier(new Cvc5Solver()).VerifyAsync(net, net.Invariants.Single(i => i.Name == "guest-db-steady"),
            new SolverOptions { Timeout = TimeSpan.FromSeconds(20) });
        Assert.That(result.Verdict, Is.EqualTo(Verdict.Holds), result.ToString());
    }

    [Test]
    public async Task NeverCallsAViolationHolds()
    {
        var net = Load(NetworkSamples.Datacenter);
        var result = await new IsolationVerifier(new Cvc5Solver()).VerifyAsync(net, net.Invariants.Single(i => i.Name == "guest-db"),
            new SolverOptions { Timeout = TimeSpan.FromSeconds(2) });
        Assert.That(result.Verdict, Is.Not.EqualTo(Verdict.Holds), result.ToString());
    }
}

/// <summary>Solver-independent behaviour of the verifier.</summary>
public class IsolationVerifierBehaviourTests
{
    [Test]
    public async Task TimeoutIsUnknownNeverHolds()
    {
        var dir = Directory.CreateTempSubdirectory("policycheck-verifier-").FullName;
        try
        {
            var fake = Path.Combine(dir, "slow-solver");
            File.WriteAllText(fake, "#!/bin/sh\nexec sleep 30\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            var net = NetworkLoader.Parse(NetworkSamples.Datacenter, "net.json").Network!;
            var invariant = net.Invariants.Single(i => i.Name == "guest-db-steady");

            var result = await new IsolationVerifier(new Z3Solver(fake)).VerifyAsync(net, invariant, new SolverOptions { Timeout = TimeSpan.FromMilliseconds(20) });

            Assert.That(result.Verdict, Is.EqualTo(Verdict.Unknown));
            Assert.That(result.Solver.Reason, Is.EqualTo(UnknownReason.Timeout));
            Assert.That(result.MeetsExpectation, Is.False, "expect: holds is not met by unknown");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public async Task TinyTimeoutOnARealSolverNeverYieldsHolds()
    {
        // 1 ms is too short for z3 to finish this query here; whatever happens, a time-out must not read as "holds".
        var net = NetworkLoader.Parse(NetworkSamples.Datacenter, "net.json").Network!;
        var invariant = net.Invariants.Single(i => i.Name == "guest-db");
        var result = await new IsolationVerifier(new Z3Solver()).VerifyAsync(net, invariant, new SolverOptions { Timeout = TimeSpan.FromMilliseconds(1) });
        Assert.That(result.Verdict, Is.Not.EqualTo(Verdict.Holds));
        if (result.Verdict == Verdict.Unknown) Assert.That(result.Solver.Reason, Is.EqualTo(UnknownReason.Timeout));
    }

    [Test]
    public async Task PortfolioAnswersWithTheFirstSolverToDecide()
    {
        var net = NetworkLoader.Parse(NetworkSamples.Datacenter, "net.json").Network!;
        var result = await new IsolationVerifier(Solvers.Create("portfolio")).VerifyAsync(net, net.Invariants.Single(i => i.Name == "guest-db"));
        Assert.That(result.Verdict, Is.EqualTo(Verdict.Violated), result.ToString());
        Assert.That(result.Solver.Solver, Is.AnyOf("z3", "cvc5"));
        Assert.That(result.Trace!.FailedNodes, Is.EqualTo(new[] { "fw1" }));
    }

    [Test]
    public void BadConfigurationIsAClearError()
    {
        var net = NetworkLoader.Parse(NetworkSamples.Datacenter.Replace("\"allow\": [[\"web\", \"db\"], [\"db\", \"web\"]]", "\"allow\": [[\"web\", \"nowhere\"]]"), "net.json").Network!;
        Assert.That(() => NetworkEncoding.Create(net, net.Invariants[0]),
            Throws.TypeOf<EncodingException>().With.Message.Contains("NF fw1").And.Message.Contains("config.allow[0][1]").And.Message.Contains("'nowhere'"));
    }

    [Test]
    public void EncodingUsesTheBaseAxiomsAndNamesEveryAssertion()
    {
        var net = NetworkLoader.Parse(NetworkSamples.Datacenter, "net.json").Network!;
        var script = NetworkEncoding.Create(net, net.Invariants[0]).Script;
        Assert.That(script.AssertionNames, Does.Contain("send-base").And.Contain("recv-causality").And.Contain("negated-invariant")
            .And.Contain("route.0").And.Contain("nf.fw1.send").And.Contain("state.fw1.established.if").And.Contain("up.fw1.recv").And.Contain("failure-budget"));
        Assert.That(script.Datatypes.Select(d => d.Name).Take(4), Is.EqualTo(new[] { "Node", "Address", "Packet", "Flow" }));
        Assert.That(script.Datatypes[0].Constructors.Select(c => c.Name), Does.Not.Contain("n.tor1"), "routers are compiled into the transfer function");
    }
}
