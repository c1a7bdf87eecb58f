using Switchboard.Host.Config;

namespace Switchboard.Host.Runtime;

/// <summary>
/// Chains created and deleted in the running switch. A chain is a port queue per core read by one receive
/// node, so a chain can only start at a port no running chain reads (free one by deleting its chain first).
/// Delete removes the chain's NFs one by one (each drained and retired as in <see cref="RemoveNf"/>), then each
/// worker stops reading the port between batches: packets already received have left (run to completion),
/// packets still in the port are not read any more. Create adds an empty chain on every core in one command
/// each, then its NF instances are inserted (<see cref="InsertNf"/>).
/// </summary>
internal sealed partial class Dataplane
{
    public HotSwapReport[] DeleteChain(string chain)
    {
        lock (_control)
        {
            if (!_chainSpecs.ContainsKey(chain)) throw new HotSwapException($"no chain '{chain}'; chains: {string.Join(", ", _chains.Select(c => c.Name))}");
            var reports = _chains.Single(c => c.Name == chain).Through.ToList().Select(RemoveNf).ToArray();
            Await(RunOnEach((w, _) =>
            {
                var replica = ChainOf(w, chain);
                w.RemoveReceiver(replica.Rx);
                w.Chains.Remove(replica);
            }), "delete chain");
            _chains.RemoveAll(c => c.Name == chain);
            _chainSpecs.Remove(chain);
            return reports;
        }
    }

    /// <summary>A new, empty chain from port <paramref name="from"/> to <paramref name="to"/> (insert its NFs next).</summary>
    public void CreateChain(string chain, string from, string to)
    {
        lock (_control)
        {
            if (_chainSpecs.ContainsKey(chain)) throw new HotSwapException($"a chain named '{chain}' exists already");
            if (!_ports.ContainsKey(from) || !_ports.ContainsKey(to)) throw new HotSwapException($"no port '{(_ports.ContainsKey(from) ? to : from)}'; ports: {string.Join(", ", _ports.Keys)}");
            if (_chainSpecs.Values.FirstOrDefault(c => c.From == from) is { } reader)
                throw new HotSwapException($"port '{from}' already feeds chain '{reader.Name}'; each port feeds one chain (delete that chain first)");
            var replicas = _workers.Select((w, core) =>
            {
                var rx = new PortReceiveNode(_ports[from], core, Deployment.BatchSize, w.Core);
                var tx = new PortSendNode(_ports[to], core) { Name = $"tx:{to}", Core = w.Core };
                var replica = new ChainReplica(chain, rx, tx);
                replica.Relink();
                return replica;
            }).ToArray();
            Await(RunOnEach((w, k) =>
            {
                w.Chains.Add(replicas[k]);
                w.AddReceiver(replicas[k].Rx);
            }), "create chain");
            _chains.Add((chain, []));
            _chainSpecs[chain] = new ChainSpec(chain, from, [], to, $"(created at run time: {chain})");
        }
    }
}
