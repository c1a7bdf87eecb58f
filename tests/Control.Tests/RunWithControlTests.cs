using Switchboard.Host.Cli;
using Switchboard.Host.Control;

namespace Switchboard.Control.Tests;

/// <summary>`switchboard run` starts and stops the control plane with the dataplane.</summary>
public class RunWithControlTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "sb-ctl-run-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string Deployment()
    {
        string path = Path.Combine(_dir, "deployment.json");
        File.WriteAllText(path, Support.SwitchUnderTest.Deployment);
        return path;
    }

    [Test]
    public void RunServesTheControlPlaneWhileItRunsAndRemovesTheTokenAfter()
    {
        string tokenFile = Path.Combine(_dir, "run", "control.token");
        var output = new StringWriter();
        var errors = new StringWriter();
        string? seenToken = null;
        var control = new ControlOptions
        {
            Listen = "127.0.0.1:0", TokenFile = tokenFile,
        };
        var run = Task.Run(() => RunCommand.Execute(new RunCommand.Options(Deployment(), 1.5, false, null, true, control), output, errors, CancellationToken.None));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (seenToken is null && DateTime.UtcNow < deadline && !run.IsCompleted)
        {
            if (File.Exists(tokenFile)) seenToken = File.ReadAllText(tokenFile).Trim();
            Thread.Sleep(10);
        }
        int code = run.GetAwaiter().GetResult();
        Assert.That(code, Is.Zero, errors.ToString());
        Assert.That(seenToken, Is.Not.Null.And.Not.Empty, "the token file existed while the switch ran");
        Assert.That(output.ToString(), Does.Match(@"Control plane: http://127\.0\.0\.1:\d+ \(token in " + System.Text.RegularExpressions.Regex.Escape(tokenFile)));
        Assert.That(File.Exists(tokenFile), Is.False, "removed at the end of the run");
    }

    [Test]
    public void AnUnsafeControlAddressStopsTheRunBeforeAnythingStarts()
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        int code = RunCommand.Execute(new RunCommand.Options(Deployment(), 1, false, null, true, new ControlOptions { Listen = "0.0.0.0:0", TokenFile = Path.Combine(_dir, "t") }),
            output, errors, CancellationToken.None);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(errors.ToString(), Does.Contain("not a loopback address").And.Contain("Nothing was started"));
        Assert.That(output.ToString(), Is.Empty);
    }
}
