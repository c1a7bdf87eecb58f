using Switchboard.Verifier.Tests.Support;

namespace Switchboard.Verifier.Tests;

/// <summary>The policy file's semantics, the shipped policy's shape, and verify times.</summary>
public class PolicyTests
{
    private const string Policy = """
        # a tiny policy
        A:System.Runtime
        N:System.Collections.Generic
        T:System.Math
        M:System.Environment.get_TickCount64
        !T:System.Collections.Generic.Queue`1;threading;queues are not for you
        !M:System.Math.Abs(System.Int32);api-not-allowed;no abs
        """;

    [Test]
    public void Most_specific_line_wins()
    {
        var p = VerifierPolicy.Parse(Policy);
        Assert.That(p.Decide(null, "System.Collections.Generic.List`1", "System.Collections.Generic").Allowed, Is.True);
        Assert.That(p.Decide(null, "System.Collections.Generic.Queue`1", "System.Collections.Generic").Denied?.Rule, Is.EqualTo("threading"));
        Assert.That(p.Decide("M:System.Math.Max(System.Int32,System.Int32)", "System.Math", "System").Allowed, Is.True);
        Assert.That(p.Decide("M:System.Math.Abs(System.Int32)", "System.Math", "System").Denied?.Message, Is.EqualTo("no abs"));
        Assert.That(p.Decide("M:System.Environment.get_TickCount64", "System.Environment", "System").Allowed, Is.True);
        Assert.That(p.Decide("M:System.Environment.Exit(System.Int32)", "System.Environment", "System").Allowed, Is.False);
        Assert.That(p.Decide(null, "System.Environment", "System").Allowed, Is.True, "a type may be named when some member is allowed");
        Assert.That(p.Decide(null, "System.Collections.Generic.Sub.Thing", "System.Collections.Generic.Sub").Allowed, Is.False, "N: is one namespace, not its children");
        Assert.That(p.IsAssemblyAllowed("System.Runtime"), Is.True);
        Assert.That(p.IsAssemblyAllowed("System.Net.Sockets"), Is.False);
    }

    [Test]
    public void Member_without_parameters_covers_every_overload()
    {
        var p = VerifierPolicy.Parse("M:System.Math.Min\n!M:System.Console.Write;io;no");
        Assert.That(p.Decide("M:System.Math.Min(System.Double,System.Double)", "System.Math", "System").Allowed, Is.True);
        Assert.That(p.Decide("M:System.Console.Write(System.String)", "System.Console", "System").Denied?.Rule, Is.EqualTo("io"));
    }

    [Test]
    public void Malformed_lines_are_reported_with_their_line_number()
    {
        var e = Assert.Throws<FormatException>(() => VerifierPolicy.Parse("A:System.Runtime\nbogus line"));
        Assert.That(e!.Message, Does.Contain("policy:2"));
    }

    [Test]
    public void Shipped_policy_knows_the_sdk_and_its_friends()
    {
        var p = VerifierPolicy.Default;
        Assert.That(p.SdkAssemblyName, Is.EqualTo("Switchboard.Sdk"));
        Assert.That(p.IsAssemblyAllowed("Switchboard.Sdk"), Is.True);
        Assert.That(p.Decide("M:System.Runtime.CompilerServices.Unsafe.As``1(System.Object)", "System.Runtime.CompilerServices.Unsafe", "System.Runtime.CompilerServices").Denied?.Rule,
            Is.EqualTo(Rules.UnsafeApi));
    }

    [Test]
    public void The_sdk_itself_would_be_refused_as_a_plugin()
    {
        // The Sdk is where the unsafe code lives; as a plugin it must fail on pointers, localloc and friends.
        var image = PluginCompiler.InTree(typeof(Switchboard.Sdk.Pipe).Assembly);
        var r = Verdicts.Verify(image);
        Assert.That(r.Has(Rules.Pointer), Is.True);
        Assert.That(r.Has(Rules.ForbiddenOpcode), Is.True);
        Assert.That(r.Has(Rules.FixedBuffer), Is.True);
    }

    [Test]
    public void First_party_plugins_verify_cleanly_every_time()
    {
        // Verification caches framework lookups across runs; repeated runs must give the same verdict.
        // (Verify times are measured by `./switchboard bench --verify`, not here.)
        foreach (var asm in new[] { typeof(Switchboard.Plugins.Ttl.TtlNf).Assembly, typeof(Switchboard.Plugins.Monitor.MonitorNf).Assembly })
        {
            var image = PluginCompiler.InTree(asm);
            Verdicts.Verify(image);
            const int runs = 20;
            VerificationResult? r = null;
            for (int i = 0; i < runs; i++) r = Verdicts.Verify(image);
            Assert.That(r!.Ok, Is.True);
        }
    }
}
