using Switchboard.Host.Cli;
using Switchboard.Verifier.Tests.Support;

namespace Switchboard.Verifier.Tests;

/// <summary><c>switchboard verify-plugin &lt;dll&gt;</c>: exit codes and what the vendor reads.</summary>
public class VerifyPluginCommandTests
{
    [Test]
    public void Accepted_plugin_exits_zero()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int rc = VerifyPluginCommand.Execute(typeof(Switchboard.Plugins.Ttl.TtlNf).Assembly.Location, output, error);
        Assert.That(rc, Is.EqualTo(0));
        Assert.That(output.ToString(), Does.Contain("OK (Switchboard.Plugins.Ttl"));
        Assert.That(error.ToString(), Is.Empty);
    }

    [Test]
    public void Refused_plugin_lists_each_violation_and_exits_two()
    {
        string path = Path.Combine(Path.GetTempPath(), $"hostile-{Guid.NewGuid():N}.dll");
        File.WriteAllBytes(path, PluginCompiler.Compile("""
            namespace Vendor;
            public static class Bad { public static void Quit() => System.Environment.Exit(1); }
            """, "Vendor.Bad"));
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();
            int rc = VerifyPluginCommand.Execute(path, output, error);
            Assert.That(rc, Is.EqualTo(2));
            Assert.That(error.ToString(), Does.Contain("Vendor.Bad Vendor.Bad::Quit() IL_0001: [process-exit]"));
            Assert.That(error.ToString(), Does.Contain("refused, 1 violation(s)"));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void Missing_file_exits_one()
    {
        var error = new StringWriter();
        Assert.That(VerifyPluginCommand.Execute("/nonexistent/plugin.dll", new StringWriter(), error), Is.EqualTo(1));
        Assert.That(error.ToString(), Does.Contain("/nonexistent/plugin.dll"));
    }
}
