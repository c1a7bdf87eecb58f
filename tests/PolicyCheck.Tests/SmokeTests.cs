namespace Switchboard.PolicyCheck.Tests;

public class SmokeTests
{
    [Test]
    public void AssemblyLoads() =>
        Assert.That(typeof(SmokeTests).Assembly.GetReferencedAssemblies().Select(a => a.Name), Does.Contain("Switchboard.PolicyCheck"));
}
