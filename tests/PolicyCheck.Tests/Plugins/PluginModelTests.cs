using Switchboard.PolicyCheck.Language;
using Switchboard.PolicyCheck.Models;

namespace Switchboard.PolicyCheck.Tests.Plugins;

/// <summary>Every first-party plugin ships a VMN model, and it must parse and type-check.</summary>
public class PluginModelTests
{
    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Switchboard.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root not found");
    }

    public static IEnumerable<string> ModelFiles() =>
        Directory.GetFiles(Path.Combine(RepoRoot(), "Plugins"), "*.vmn", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Select(f => Path.GetRelativePath(RepoRoot(), f));

    [TestCaseSource(nameof(ModelFiles))]
    public void PluginModelParsesAndTypeChecks(string relativePath)
    {
        string path = Path.Combine(RepoRoot(), relativePath);
        var result = ModelParser.Parse(File.ReadAllText(path), relativePath);
        Assert.That(result.Errors.Select(e => e.ToString()), Is.Empty);
        Assert.That(result.Models.Count + result.Pipelines.Count, Is.GreaterThan(0), "the file declares a model");
    }

    [Test]
    public void EveryPluginFolderShipsAModel()
    {
        var withCode = Directory.GetDirectories(Path.Combine(RepoRoot(), "Plugins"))
            .Where(d => Directory.GetFiles(d, "*.csproj").Length > 0);
        var missing = withCode.Where(d => Directory.GetFiles(d, "*.vmn").Length == 0).Select(Path.GetFileName).ToList();
        Assert.That(missing, Is.Empty, "plugins without a VMN model");
    }
}
