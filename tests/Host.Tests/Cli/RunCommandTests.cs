using Switchboard.Host.Cli;

namespace Switchboard.Host.Tests.Cli;

public class RunCommandTests
{
    private static string RepoFile(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Switchboard.slnx"))) return Path.Combine(dir.FullName, name);
        throw new FileNotFoundException("repository root not found");
    }

    [Test]
    public void DefaultDeploymentRunsAndPrintsPerNfAndPerPortCounters()
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        int code = RunCommand.Execute(new RunCommand.Options(RepoFile("plugins.json"), 0.5, false, null, false), output, errors, CancellationToken.None);
        string text = output.ToString();
        Assert.That(code, Is.Zero, errors.ToString());
        Assert.That(text, Does.Contain("Network functions").And.Contain("Ports:").And.Contain("Mpps"));
        Assert.That(text, Does.Match(@"\n\s+ttl\s+ttl\s+[\d,]+"), "a row for the ttl NF with its input count");
        Assert.That(text, Does.Match(@"\n\s+monitor\s+monitor\s+.*flows=1,000"), "the monitor saw all 1000 generated flows");
    }

    [Test]
    public void EveryShippedExampleValidates()
    {
        foreach (var file in Directory.GetFiles(RepoFile("examples"), "*.json"))
        {
            var result = Switchboard.Host.Config.DeploymentLoader.Load(file, Switchboard.Host.Runtime.NfRegistry.BuiltIn().Names);
            Assert.That(result.Errors, Is.Empty, $"{file}:\n{result.FormatErrors()}");
        }
    }

    [Test]
    public void InvalidDeploymentIsRefusedWithEveryErrorAndExitCode2()
    {
        string path = Path.Combine(Path.GetTempPath(), $"sb-bad-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """
        {
          "cores": 0,
          "ports": { "gen": { "type": "generator", "flowz": 3 }, "sink": { "type": "null" } },
          "nfs": { "t": { "type": "nope" } },
          "chains": [ { "from": "gen", "through": ["t"], "to": "sink" } ]
        }
        """);
        try
        {
            var output = new StringWriter();
            var errors = new StringWriter();
            int code = RunCommand.Execute(new RunCommand.Options(path, 0.2, false, null, true), output, errors, CancellationToken.None);
            Assert.That(code, Is.EqualTo(2));
            string e = errors.ToString();
            Assert.That(e, Does.Contain("nothing was started"));
            Assert.That(e, Does.Contain("$.cores"));
            Assert.That(e, Does.Contain("$.ports.gen.flowz"));
            Assert.That(e, Does.Contain("$.nfs.t.type"));
            Assert.That(output.ToString(), Is.Empty);
        }
        finally { File.Delete(path); }
    }
}
