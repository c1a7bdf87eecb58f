namespace Switchboard.PolicyCheck.Tests.Network;

/// <summary>Small network files used across the tests.</summary>
internal static class NetworkSamples
{
    /// <summary>Three web servers and a db on an inside router (tor2), a guest host on an outside router (tor1), an ACL
    /// firewall between them that allows only web and db traffic; tor1 has a backup route to the inside that bypasses
    /// the firewall when it fails, so guest reaches db only under that failure.</summary>
    public const string Datacenter = """
        {
          "policyGroups": {
            "web": { "prefixes": ["10.0.1.0/24"] },
            "db": { "prefixes": ["10.0.2.0/24"] },
            "guest": { "prefixes": ["10.0.3.0/24"] }
          },
          "hosts": [
            { "name": "web{1..3}", "group": "web" },
            { "name": "db1", "group": "db", "address": "10.0.2.10" },
            { "name": "guest1", "group": "guest" }
          ],
          "nfs": [
            { "name": "fw1", "model": "acl-firewall", "config": { "allow": [["web", "db"], ["db", "web"]] } }
          ],
          "routers": ["tor1", "tor2"],
          "routing": {
            "web{1..3}": [ { "dst": "*", "nextHop": "tor2" } ],
            "db1": [ { "dst": "*", "nextHop": "tor2" } ],
            "guest1": [ { "dst": "*", "nextHop": "tor1" } ],
            "tor1": [
              { "dst": "db", "nextHop": "fw1" },
              { "dst": "db", "nextHop": "tor2", "whenDown": ["fw1"] },
              { "dst": "web", "nextHop": "fw1" },
              { "dst": "guest", "nextHop": "guest1" }
            ],
            "fw1": [
              { "dst": ["web", "db"], "nextHop": "tor2" },
              { "dst": "guest", "nextHop": "tor1" }
            ],
            "tor2": [
              { "dst": "web1", "nextHop": "web1" },
              { "dst": "web2", "nextHop": "web2" },
              { "dst": "web3", "nextHop": "web3" },
              { "dst": "db1", "nextHop": "db1" },
              { "dst": "guest", "nextHop": "fw1" }
            ]
          },
          "failures": { "nodes": ["fw1"], "maxFailures": 1 },
          "invariants": [
            { "name": "guest-db", "kind": "isolation", "from": "guest1", "to": "db1", "expect": "violated" },
            { "name": "guest-db-steady", "kind": "isolation", "from": "guest", "to": "db", "expect": "holds", "underFailures": false },
            { "name": "web-db-via-fw", "kind": "traversal", "from": "web", "to": "db1", "through": ["fw1"] }
          ],
          "options": { "timeoutMs": 5000, "seed": 7, "reseeds": 1, "solver": "portfolio", "symmetry": false }
        }
        """;
}
