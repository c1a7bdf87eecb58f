namespace Switchboard.Host.Config;

/// <summary>Validates <c>$.chains</c>: each chain runs from a receiving port through NFs to a sending port.
/// An NF instance belongs to one chain, once; a source port feeds one chain (else which chain gets a packet
/// would be undefined); every declared port and NF must be used (an unused one is silently dropped configuration).</summary>
internal static class ChainParser
{
    public static List<ChainSpec> Parse(ObjectView root, PortTable ports, HashSet<string> nfNames, IReadOnlyList<string> nfOrder, Diagnostics diag)
    {
        var chains = new List<ChainSpec>();
        var items = root.Array("chains", required: true);
        if (items is null) return chains;
        if (items.Count == 0) diag.Error(root.ChildPath("chains"), "at least one chain is required");

        var names = new Dictionary<string, string>(StringComparer.Ordinal);      // chain name -> path
        var nfUse = new Dictionary<string, (string Chain, string Path)>(StringComparer.Ordinal);
        var sourceUse = new Dictionary<string, string>(StringComparer.Ordinal);  // port -> chain
        var usedPorts = new HashSet<string>(StringComparer.Ordinal);
        var portList = ConfigNames.List(ports.Declared.Keys);
        var nfList = ConfigNames.List(nfOrder);

        for (int i = 0; i < items.Count; i++)
        {
            var (element, path) = items[i];
            var chain = ObjectView.From(element, path, diag);
            if (chain is null) continue;
            chain.RejectUnknownKeys("name", "from", "through", "to");

            var explicitName = chain.String("name");
            var name = explicitName ?? $"chain{i}";
            if (explicitName is not null) ConfigNames.Check(name, chain.ChildPath("name"), "chain", diag);
            if (!names.TryAdd(name, path))
                diag.Error(explicitName is null ? path : chain.ChildPath("name"),
                    explicitName is null ? $"default name '{name}' is already taken by {names[name]}; give this chain a name"
                                         : $"chain name '{name}' is already used by {names[name]}");

            var from = chain.String("from", required: true);
            if (from is not null && CheckPort(from, chain.ChildPath("from"), ports, nfNames, portList, source: true, diag))
            {
                usedPorts.Add(from);
                if (!sourceUse.TryAdd(from, name))
                    diag.Error(chain.ChildPath("from"), $"port '{from}' already feeds chain '{sourceUse[from]}'; a source port feeds one chain");
            }

            var through = new List<string>();
            var inThisChain = new Dictionary<string, string>();
            foreach (var (nf, nfPath) in chain.Strings("through") ?? [])
            {
                through.Add(nf);
                if (!nfNames.Contains(nf))
                {
                    var hint = ports.Declared.ContainsKey(nf) ? $"'{nf}' is a port, not an NF" : $"unknown NF '{nf}'{NearestName.Hint(nf, nfNames)}";
                    diag.Error(nfPath, $"{hint}; defined NFs: {nfList}");
                }
                else if (inThisChain.TryGetValue(nf, out var earlier))
                    diag.Error(nfPath, $"NF '{nf}' appears twice in this chain (also at {earlier}); define a second instance instead");
                else
                {
                    // One instance may sit in several chains (both directions through a NAT): each chain
                    // runs its own replica, and the replicas share the instance's state (NfContext.Shared).
                    inThisChain[nf] = nfPath;
                    nfUse.TryAdd(nf, (name, nfPath));
                }
            }

            var to = chain.String("to", required: true);
            if (to is not null && CheckPort(to, chain.ChildPath("to"), ports, nfNames, portList, source: false, diag))
                usedPorts.Add(to);

            chains.Add(new ChainSpec(name, from ?? "", through, to ?? "", path));
        }

        foreach (var nf in nfOrder)
            if (!nfUse.ContainsKey(nf))
                diag.Error(JsonPath.Key("$.nfs", nf), $"NF '{nf}' is not used by any chain; add it to a chain's \"through\" or remove it");
        foreach (var port in ports.Declared.Keys)
            if (!usedPorts.Contains(port))
                diag.Error(JsonPath.Key("$.ports", port), $"port '{port}' is not used by any chain; connect it or remove it");
        return chains;
    }

    // True when the name refers to a declared port (even one whose own definition has errors).
    private static bool CheckPort(string name, string path, PortTable ports, HashSet<string> nfNames, string portList, bool source, Diagnostics diag)
    {
        if (!ports.Declared.TryGetValue(name, out var kind))
        {
            var hint = nfNames.Contains(name) ? $"'{name}' is an NF, not a port" : $"unknown port '{name}'{NearestName.Hint(name, ports.Declared.Keys)}";
            diag.Error(path, $"{hint}; defined ports: {portList}");
            return false;
        }
        if (kind is null) return true;
        if (source && !PortTable.CanReceive(kind))
            diag.Error(path, $"port '{name}' is a {kind} port and cannot receive packets; \"from\" must be a generator or pcap-in port");
        else if (!source && !PortTable.CanSend(kind))
            diag.Error(path, $"port '{name}' is a {kind} port and cannot send packets; \"to\" must be a pcap-out or null port");
        return true;
    }
}
