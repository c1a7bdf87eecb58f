using Switchboard.Host.Cli;

namespace Switchboard.Host.Tests.Cli;

/// <summary><c>switchboard verify</c> on the shipped example network, with the real z3.</summary>
public class VerifyCommandTests
{
    private static string Example()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Switchboard.slnx"))) return Path.Combine(dir.FullName, "examples", "networks", "guest-failover.json");
        throw new FileNotFoundException("repository root not found");
    }

    [Test]
    public async Task ExampleNetwork_VerdictsMatchTheFileAndViolationsCarryATrace()
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        int code = await VerifyCommand.ExecuteAsync(new VerifyCommand.Options(Example(), false, "z3", null), output, errors, CancellationToken.None);
        string text = output.ToString();
        Assert.That(code, Is.Zero, errors.ToString() + text);
        Assert.That(text, Does.Contain("guest-db: violated").And.Contain("failed nodes: fw1"), "the backup route bypasses the firewall");
        Assert.That(text, Does.Contain("guest-db-steady: holds"));
        Assert.That(text, Does.Contain("guest1 sends").And.Contain("db1 receives"));
    }

    [Test]
    public async Task JsonOutputAndExitCode1WhenAnExpectationFails()
    {
        string path = Path.Combine(Path.GetTempPath(), $"sb-net-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, File.ReadAllText(Example()).Replace("\"name\": \"guest-db\", \"kind\": \"isolation\", \"from\": \"guest1\", \"to\": \"db1\", \"expect\": \"violated\"",
                                                                    "\"name\": \"guest-db\", \"kind\": \"isolation\", \"from\": \"guest1\", \"to\": \"db1\", \"expect\": \"holds\""));
        try
        {
            var output = new StringWriter();
            int code = await VerifyCommand.ExecuteAsync(new VerifyCommand.Options(path, true, "z3", null), output, new StringWriter(), CancellationToken.None);
            Assert.That(code, Is.EqualTo(1));
            using var doc = System.Text.Json.JsonDocument.Parse(output.ToString());
            var first = doc.RootElement.GetProperty("invariants")[0];
            Assert.That(first.GetProperty("status").GetString(), Is.EqualTo("violated"));
            Assert.That(first.GetProperty("meetsExpectation").GetBoolean(), Is.False);
            Assert.That(first.GetProperty("trace").GetProperty("failed")[0].GetString(), Is.EqualTo("fw1"));
            Assert.That(first.GetProperty("trace").GetProperty("of").GetString(), Is.EqualTo("guest-db"), "whose counterexample (a symmetric one's is its representative's)");
        }
        finally { File.Delete(path); }
    }

    [Test]
    public async Task InvalidNetworkIsRefusedWithExitCode2()
    {
        string path = Path.Combine(Path.GetTempPath(), $"sb-net-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{ "hosts": [ { "name": "h1", "group": "nope" } ] }""");
        try
        {
            var errors = new StringWriter();
            int code = await VerifyCommand.ExecuteAsync(new VerifyCommand.Options(path, false, null, null), new StringWriter(), errors, CancellationToken.None);
            Assert.That(code, Is.EqualTo(2));
            Assert.That(errors.ToString(), Does.Contain("$.hosts[0].group"));
        }
        finally { File.Delete(path); }
    }
}
