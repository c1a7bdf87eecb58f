using Switchboard.PolicyCheck.Network;
using Switchboard.PolicyCheck.Smt;
using Switchboard.PolicyCheck.Verification;

namespace Switchboard.PolicyCheck.Tests.Verification;

/// <summary>Small hand-built networks for the encoding tests, and a z3 verifier.</summary>
internal static class Nets
{
    public static readonly SolverOptions Options = new() { Timeout = TimeSpan.FromSeconds(20), Reseeds = 1 };

    public static NetworkDescription Load(string json)
    {
        var result = NetworkLoader.Parse(json, "net.json");
        Assert.That(result.Errors, Is.Empty, result.FormatErrors());
        return result.Network!;
    }

    /// <summary>h1 (group a, 10.0.1.1) and h2, h3 (group b, 10.0.2.1-2) on either side of one NF "nf" (address
    /// 10.0.9.1) that every packet between the sides passes.</summary>
    public static NetworkDescription Line(string model, string config, string invariants, string extraNfFields = "", string failures = "") => Load($$"""
        {
          "policyGroups": { "a": { "prefixes": ["10.0.1.0/24"] }, "b": { "prefixes": ["10.0.2.0/24"] }, "n": { "prefixes": ["10.0.9.0/24"] } },
          "hosts": [ { "name": "h1", "group": "a" }, { "name": "h{2..3}", "group": "b" } ],
          "nfs": [ { "name": "nf", "model": "{{model}}", "config": {{config}}, "addresses": ["10.0.9.1"] {{extraNfFields}} } ],
          "routing": {
            "h1": [ { "dst": "*", "nextHop": "nf" } ],
            "h{2..3}": [ { "dst": "*", "nextHop": "nf" } ],
            "nf": [ { "dst": "h1", "nextHop": "h1" }, { "dst": "h2", "nextHop": "h2" }, { "dst": "h3", "nextHop": "h3" } ]
          },
          {{failures}}
          "invariants": [ {{invariants}} ]
        }
        """);

    public static async Task<InvariantResult> Verify(NetworkDescription net, string invariant, ModelCatalog? catalog = null)
    {
        var result = await new IsolationVerifier(new Z3Solver(), catalog).VerifyAsync(net, net.Invariants.Single(i => i.Name == invariant), Options);
        TestContext.Out.WriteLine(result);
        return result;
    }

    public static string Inv(string name, string kind, string from, string to, string extra = "") =>
        $$"""{ "name": "{{name}}", "kind": "{{kind}}", "from": "{{from}}", "to": "{{to}}" {{extra}} }""";
}
