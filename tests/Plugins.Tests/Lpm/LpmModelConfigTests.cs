using System.Text.Json;
using Switchboard.Plugins.Lpm;
using Switchboard.Sdk;

namespace Switchboard.Plugins.Tests.Lpm;

/// <summary>The router's config as lpm.vmn's LpmRouter parameters.</summary>
public class LpmModelConfigTests
{
    private static JsonElement Translate(string json)
    {
        var m = new LpmNf().ModelConfig(new NfConfig(JsonDocument.Parse(json).RootElement.Clone(), "$.nfs.r.config"))!;
        Assert.That(m.Model, Is.EqualTo("LpmRouter"));
        return JsonDocument.Parse(m.ParametersJson).RootElement.Clone();
    }

    [Test]
    public void Routes_become_half_open_ranges_longest_prefix_first()
    {
        var p = Translate("""{ "routes": [ { "prefix": "10.0.0.0/8", "nextHop": 1 }, { "prefix": "10.1.0.0/16", "nextHop": 2 } ] }""");
        Assert.That(p.GetProperty("has_default").GetBoolean(), Is.False);
        var routes = p.GetProperty("routes");
        Assert.That(routes[0].GetProperty("dst").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "10.1.0.0", "10.2.0.0" }));
        Assert.That((routes[0].GetProperty("length").GetInt32(), routes[0].GetProperty("next_hop").GetInt32()), Is.EqualTo((16, 2)));
        Assert.That(routes[1].GetProperty("dst").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "10.0.0.0", "11.0.0.0" }));
    }

    [TestCase("""{ "default": 3 }""")]
    [TestCase("""{ "routes": [ { "prefix": "0.0.0.0/0", "nextHop": 1 } ] }""")]
    public void A_default_or_a_route_to_the_top_of_the_space_forwards_everything(string json)
    {
        var p = Translate(json);
        Assert.That((p.GetProperty("has_default").GetBoolean(), p.GetProperty("routes").GetArrayLength()), Is.EqualTo((true, 0)));
    }
}
