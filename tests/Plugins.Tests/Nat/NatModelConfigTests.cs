using System.Text.Json;
using Switchboard.Plugins.Nat;
using Switchboard.Sdk;

namespace Switchboard.Plugins.Tests.Nat;

/// <summary>The NAT's config as nat.vmn's NatSnat parameters, when one model describes it.</summary>
public class NatModelConfigTests
{
    private static ModelConfiguration? Translate(string json) =>
        new NatNf().ModelConfig(new NfConfig(JsonDocument.Parse(json).RootElement.Clone(), "$.nfs.nat.config"));

    [Test]
    public void One_public_address_is_source_nat_owning_that_address()
    {
        var m = Translate("""{ "insideNets": ["10.0.0.0/8"], "snat": { "addresses": ["203.0.113.1"] } }""")!;
        Assert.That(m.Model, Is.EqualTo("NatSnat"));
        Assert.That(JsonDocument.Parse(m.ParametersJson).RootElement.GetProperty("nat_address").GetString(), Is.EqualTo("203.0.113.1"));
        Assert.That(m.Addresses, Is.EqualTo(new[] { "203.0.113.1" }));
    }

    [TestCase("""{ "insideNets": ["10.0.0.0/8"], "snat": { "addresses": ["203.0.113.0/30"] } }""")]
    [TestCase("""{ "insideNets": ["10.0.0.0/8"], "snat": { "addresses": ["203.0.113.1"], "ports": "10000-60000" }, "dnat": ["tcp 203.0.113.1:8080 -> 10.0.0.5:80"] }""")]
    public void A_pool_or_port_forwards_have_no_single_model(string json) => Assert.That(Translate(json), Is.Null);
}
