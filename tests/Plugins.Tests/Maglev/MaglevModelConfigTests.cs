using System.Text.Json;
using Switchboard.Plugins.Maglev;
using Switchboard.Sdk;

namespace Switchboard.Plugins.Tests.Maglev;

/// <summary>The load balancer's config as lb.vmn's MaglevLoadBalancer parameters.</summary>
public class MaglevModelConfigTests
{
    private static ModelConfiguration? Translate(string json) =>
        new MaglevNf().ModelConfig(new NfConfig(JsonDocument.Parse(json).RootElement.Clone(), "$.nfs.lb.config"));

    [Test]
    public void Nat_mode_lists_every_backend_address_spares_included()
    {
        var m = Translate("""
            { "mode": "nat", "backends": { "a": { "ip": "10.2.0.1" }, "b": { "ip": "10.2.0.2", "weight": 3 }, "spare": { "ip": "10.2.0.9", "weight": 0 } } }
            """)!;
        Assert.That(m.Model, Is.EqualTo("MaglevLoadBalancer"));
        var backends = JsonDocument.Parse(m.ParametersJson).RootElement.GetProperty("backends").EnumerateArray().Select(e => e.GetString());
        Assert.That(backends, Is.EqualTo(new[] { "10.2.0.1", "10.2.0.2", "10.2.0.9" }));
    }

    [Test]
    public void Dsr_mode_has_no_model_configuration() =>
        Assert.That(Translate("""{ "mode": "dsr", "backends": { "a": { "mac": "02:00:00:00:01:01" } } }"""), Is.Null);
}
