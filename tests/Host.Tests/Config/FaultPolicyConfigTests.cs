using Switchboard.Host.Config;

namespace Switchboard.Host.Tests.Config;

/// <summary>The per-NF <c>faults</c> object: parsed values and defaults.</summary>
public class FaultPolicyConfigTests
{
    [Test]
    public void FaultsObjectIsParsed_AndDefaultsToDropAfterAThousand()
    {
        using var dir = new TempDir();
        var result = ConfigTestFiles.Parse("""
        {
          "ports": { "gen": { "type": "generator" }, "sink": { "type": "null" } },
          "nfs": { "a": { "type": "ttl", "faults": { "limit": 7, "onQuarantine": "bypass" } }, "b": { "type": "ttl", "faults": {} }, "c": { "type": "monitor" } },
          "chains": [ { "from": "gen", "through": ["a", "b", "c"], "to": "sink" } ]
        }
        """, dir);
        Assert.That(result.Errors, Is.Empty, result.FormatErrors());
        var nfs = result.Deployment!.Nfs;
        Assert.That(nfs["a"].Faults, Is.EqualTo(new FaultPolicy(7, QuarantineAction.Bypass)));
        Assert.That(nfs["b"].Faults, Is.EqualTo(new FaultPolicy(1000, QuarantineAction.Drop)));
        Assert.That(nfs["c"].Faults, Is.EqualTo(FaultPolicy.Default));
    }
}
