namespace Switchboard.Plugins.Tests;

/// <summary>Each stateful plugin ships its VMN model next to its assembly (copied to the output directory).</summary>
public class ModelFilesTests
{
    [TestCase("firewall.vmn", "class StatefulFirewall (acls: List[FwRule]")]
    [TestCase("firewall.vmn", "val established: Set[Flow]")]
    [TestCase("lpm.vmn", "class LpmRouter (routes: List[LpmRoute]")]
    [TestCase("ips.vmn", "class SnortIps {")]
    [TestCase("ips.vmn", "val infected: Set[Flow]")]
    public void ModelShipsWithThePlugin(string file, string expected)
    {
        string path = Path.Combine(TestContext.CurrentContext.TestDirectory, file);
        Assert.That(File.Exists(path), Is.True, path);
        Assert.That(File.ReadAllText(path), Does.Contain(expected));
    }
}
