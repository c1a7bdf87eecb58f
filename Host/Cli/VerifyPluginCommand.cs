using Switchboard.Host.Verification;

namespace Switchboard.Host.Cli;

/// <summary><c>switchboard verify-plugin &lt;dll&gt;</c>: exit 0 when the plugin passes, 2 with every violation otherwise.</summary>
internal static class VerifyPluginCommand
{
    public static int Execute(string path, TextWriter output, TextWriter error)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{path}: {e.Message}");
            return 1;
        }
        var result = PluginVerifier.Verify(bytes);
        string timing = $"{result.MethodsChecked} methods in {result.Elapsed.TotalMilliseconds:F1} ms";
        if (result.Ok)
        {
            output.WriteLine($"{path}: OK ({result.Assembly}, {timing})");
            return 0;
        }
        foreach (var v in result.Violations) error.WriteLine(v);
        error.WriteLine($"{path}: refused, {result.Violations.Count} violation(s) ({timing}).");
        return 2;
    }
}
