using Switchboard.PolicyCheck.Network;

namespace Switchboard.PolicyCheck.Tests.Scenarios;

/// <summary>Bad pipeline specs are load errors located by JSON path and line:column.</summary>
public class PipelineSpecErrorTests
{
    private static string Net(string invariant) => $$"""
        {
          "policyGroups": { "a": { "prefixes": ["10.0.1.0/24"] }, "b": { "prefixes": ["10.0.2.0/24"] } },
          "hosts": [ { "name": "h1", "group": "a" }, { "name": "h2", "group": "b" } ],
          "nfs": [ { "name": "ids", "model": "IPS" }, { "name": "scrub", "model": "IPS" } ],
          "routers": ["core"],
          "routing": { "h1": [ { "dst": "*", "nextHop": "ids" } ], "ids": [ { "dst": "b", "nextHop": "scrub" } ], "scrub": [ { "dst": "h2", "nextHop": "h2" } ] },
          "invariants": [
            {{invariant}}
          ]
        }
        """;

    private static string Errors(string invariant)
    {
        var result = NetworkLoader.Parse(Net(invariant), "net.json");
        Assert.That(result.Network, Is.Null, "expected errors");
        return result.FormatErrors();
    }

    [TestCase(""" "stages": ["ids", "scrb"] """, "net.json:8:", "$.invariants[0].stages[1]: unknown node 'scrb' (did you mean 'scrub'?)")]
    [TestCase(""" "stages": ["ids", "core"] """, "net.json:8:", "$.invariants[0].stages[1]: 'core' is a router; pipeline stages name NFs")]
    [TestCase(""" "stages": ["h1", "scrub"] """, "net.json:8:", "$.invariants[0].stages[0]: 'h1' is a host; pipeline stages name NFs")]
    [TestCase(""" "stages": ["ids"] """, "net.json:8:", "$.invariants[0].stages: a pipeline names at least two stages in the order packets pass them, got 1; for one NF use kind 'traversal'")]
    [TestCase(""" "stages": [[], "scrub"] """, "net.json:8:", "$.invariants[0].stages[0]: an empty stage")]
    [TestCase(""" "stages": [["ids", 3], "scrub"] """, "net.json:8:", "$.invariants[0].stages[0][1]: expected an NF name, got the number 3")]
    [TestCase(""" "stages": [{ "nf": "ids" }, "scrub"] """, "net.json:8:", "$.invariants[0].stages[0]: expected an NF name or a list of alternative NF names, got an object")]
    [TestCase(""" "stages": ["ids", ["scrub", "ids"]] """, "net.json:8:", "$.invariants[0].stages[1][1]: 'ids' is already in stage 1; an NF belongs to one stage")]
    [TestCase(""" "stages": "ids" """, "net.json:8:", "$.invariants[0].stages: expected an array, got the string \"ids\"")]
    [TestCase("", "net.json:8:", "$.invariants[0].stages: required key is missing")]
    [TestCase(""" "through": ["ids", "scrub"], "stages": ["ids", "scrub"] """, "net.json:8:", "$.invariants[0].through: a pipeline lists its NFs, in order, in \"stages\"")]
    public void BadStagesAreLocated(string stages, string location, string message)
    {
        var errors = Errors($$"""{ "name": "p", "kind": "pipeline", "from": "a", "to": "h2"{{(stages.Length > 0 ? ", " : "")}}{{stages}} }""");
        Assert.That(errors, Does.Contain(message));
        Assert.That(errors, Does.StartWith(location));
    }

    [Test]
    public void StagesBelongToPipelinesOnly()
    {
        var errors = Errors("""{ "name": "t", "kind": "traversal", "from": "a", "to": "h2", "through": ["ids"], "stages": ["ids", "scrub"] }""");
        Assert.That(errors, Does.Contain("$.invariants[0].stages: \"stages\" is only allowed for kind 'pipeline'"));
    }

    [Test]
    public void PipelinesCannotBeGeneratedAsSets()
    {
        var result = NetworkLoader.Parse(Net("""{ "name": "i", "kind": "isolation", "from": "a", "to": "h2" }""").Replace("\"invariants\"", "\"invariantSets\": [ { \"kind\": \"pipeline\" } ],\n  \"invariants\""), "net.json");
        Assert.That(result.FormatErrors(), Does.Contain("pipeline invariants name their NFs; write them in \"invariants\""));
    }

    [Test]
    public void AValidPipelineKeepsItsStagesAndAlternatives()
    {
        var result = NetworkLoader.Parse(Net("""{ "name": "p", "kind": "pipeline", "from": "a", "to": "h2", "stages": [["ids"], "scrub"], "expect": "holds" }"""), "net.json");
        Assert.That(result.Errors, Is.Empty, result.FormatErrors());
        var inv = result.Network!.Invariants.Single();
        Assert.That(inv.Kind, Is.EqualTo(InvariantKinds.Pipeline));
        Assert.That(inv.Stages, Is.EqualTo(new[] { new[] { "ids" }, new[] { "scrub" } }));
        Assert.That(inv.Through, Is.EqualTo(new[] { "ids", "scrub" }), "the stages' NFs seed the slice");
    }
}
