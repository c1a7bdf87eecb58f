namespace Switchboard.PolicyCheck.Scenarios;

/// <summary>The example networks shipped in examples/networks (regenerate with <c>switchboard verify --generate DIR</c>).</summary>
public static class ScenarioCatalog
{
    public static IEnumerable<Scenario> Examples()
    {
        yield return DatacenterScenario.Generate(5, 4, seed: 1) with { Name = "datacenter-correct" };
        yield return DatacenterScenario.Generate(5, 4, seed: 2, [Misconfiguration.FirewallRules]) with { Name = "datacenter-firewall-rules" };
        yield return DatacenterScenario.Generate(5, 4, seed: 3, [Misconfiguration.RedundantFirewalls]) with { Name = "datacenter-redundant-firewalls" };
        yield return DatacenterScenario.Generate(5, 4, seed: 4, [Misconfiguration.RedundantRouting]) with { Name = "datacenter-redundant-routing" };
        yield return EnterpriseScenario.Generate(6, 3, seed: 5, misconfigurations: 2) with { Name = "enterprise-misconfigured" };
        yield return MultiTenantScenario.Generate(3, 2, seed: 6, [TenantMisconfiguration.SecurityGroupLeak, TenantMisconfiguration.FirewallBypass]) with { Name = "multitenant-misconfigured" };
        yield return IspScenario.Generate(3, 2, 2, seed: 7, bypassedScrubbers: 1) with { Name = "isp-scrubber-bypass" };
        yield return DataIsolationScenario.Generate(3, 2, seed: 8, [DataMisconfiguration.CacheAclMissing, DataMisconfiguration.FirewallRuleMissing])
            with { Name = "data-isolation-generated-leaks" };
        yield return IspScenario.Generate(3, 2, 2, seed: 9, bypassedScrubbers: 1, wrongOrder: 1) with { Name = "isp-wrong-order" };
    }
}
