using System.Text.Json;
using Switchboard.Plugins.Firewall;
using Switchboard.Sdk;

namespace Switchboard.Plugins.Tests.Firewall;

/// <summary>The firewall's config as its VMN model's parameters (IModelConfig), per firewall.vmn's header.</summary>
public class FirewallModelConfigTests
{
    private static JsonElement Acls(string configJson, out bool defaultAccept)
    {
        var config = new NfConfig(JsonDocument.Parse(configJson).RootElement.Clone(), "$.nfs.fw.config");
        var model = new FirewallNf().ModelConfig(config);
        Assert.That(model, Is.Not.Null);
        Assert.That(model!.Model, Is.EqualTo("StatefulFirewall"));
        var root = JsonDocument.Parse(model.ParametersJson).RootElement.Clone();
        defaultAccept = root.GetProperty("default_accept").GetBoolean();
        return root.GetProperty("acls");
    }

    [Test]
    public void A_rule_with_lists_becomes_one_model_rule_per_combination_with_half_open_ranges()
    {
        var acls = Acls("""{ "default": "accept", "rules": [ "drop tcp from 10.0.0.0/8 to 192.168.1.0/24 port 80,443-444" ] }""", out bool dflt);
        Assert.That(dflt, Is.True);
        Assert.That(acls.GetArrayLength(), Is.EqualTo(2));
        var first = acls[0];
        Assert.That(first.GetProperty("src").GetString(), Is.EqualTo("10.0.0.0/8"));
        Assert.That(first.GetProperty("dst").GetString(), Is.EqualTo("192.168.1.0/24"));
        Assert.That(first.GetProperty("proto").GetInt32(), Is.EqualTo(6));
        Assert.That(first.GetProperty("dst_port").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 80, 81 }));
        Assert.That(acls[1].GetProperty("dst_port").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 443, 445 }));
        Assert.That(first.GetProperty("accept").GetBoolean(), Is.False);
        Assert.That(first.TryGetProperty("src_port", out _), Is.False, "an unset field is None");
    }

    [Test]
    public void Ipv6_only_rules_are_left_out_and_mixed_address_lists_keep_their_ipv4_part()
    {
        var acls = Acls("""{ "rules": [ "accept ip6", "accept from 2001:db8::/32", "accept from 10.0.0.1,2001:db8::1" ] }""", out bool dflt);
        Assert.That(dflt, Is.False);
        Assert.That(acls.GetArrayLength(), Is.EqualTo(1));
        Assert.That(acls[0].GetProperty("src").GetString(), Is.EqualTo("10.0.0.1/32"));
    }

    [Test]
    public void Stateful_matches_widen_towards_forwarding()
    {
        var acls = Acls("""
            { "rules": [ "drop state invalid", "accept state established,related", "accept tcp state new", "drop tcp state new" ] }
            """, out _);
        // drop with a state match: left out. established: conn; related: the ICMP-only related oracle; new: no state match.
        Assert.That(acls.GetArrayLength(), Is.EqualTo(3));
        Assert.That(acls[0].GetProperty("conn").GetBoolean(), Is.True);
        Assert.That((acls[1].GetProperty("related").GetBoolean(), acls[1].GetProperty("proto").GetInt32()), Is.EqualTo((true, 1)));
        Assert.That(acls[2].TryGetProperty("conn", out _), Is.False);
        Assert.That((acls[2].GetProperty("proto").GetInt32(), acls[2].GetProperty("accept").GetBoolean()), Is.EqualTo((6, true)));
    }

    [Test]
    public void An_empty_rule_list_is_the_default_action_as_one_catch_all_rule()
    {
        var acls = Acls("""{ "default": "accept" }""", out bool dflt);
        Assert.That((acls.GetArrayLength(), acls[0].GetProperty("accept").GetBoolean(), dflt), Is.EqualTo((1, true, true)));
    }

    [Test]
    public void An_invalid_rule_is_a_config_error_at_its_path()
    {
        var config = new NfConfig(JsonDocument.Parse("""{ "rules": [ "reject all" ] }""").RootElement.Clone(), "$.nfs.fw.config");
        var e = Assert.Throws<ConfigException>(() => new FirewallNf().ModelConfig(config))!;
        Assert.That(e.JsonPath, Is.EqualTo("$.nfs.fw.config.rules[0]"));
    }
}
