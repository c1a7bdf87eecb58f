using System;
using System.Collections.Generic;
using Switchboard.Sdk;

namespace Acme.Counter;

/// <summary>
/// A sample NF: counts the packets and bytes it sees and drops IPv4 packets whose TTL is below the configured
/// minimum. The host creates one instance per core and calls Build once on each, so the fields are per-core.
/// </summary>
[NetworkFunction("counter", Description = "Counts packets and bytes; drops IPv4 packets under a minimum TTL")]
public sealed class CounterNf : INetworkFunction, ICounterSource
{
    private readonly Tally _tally = new();

    public Pipe Build(Pipe input, NfContext context)
    {
        context.Config.RejectUnknownKeys("minTtl");
        byte minTtl = (byte)context.Config.GetInt("minTtl", 0, 0, 255);
        return input
            .Parse<Ethernet>()
            .Parse<Ipv4>()
            .Filter(new AboveMinimum(_tally, minTtl));
    }

    public void ReadCounters(ICollection<KeyValuePair<string, long>> into)
    {
        into.Add(new("packets", _tally.Packets));
        into.Add(new("bytes", _tally.Bytes));
        into.Add(new("dropped-low-ttl", _tally.Dropped));
    }

    private sealed class Tally
    {
        public long Packets, Bytes, Dropped;
    }

    // A struct UDF: the Sdk specialises the filter node for it, so the per-packet call is inlined.
    private readonly struct AboveMinimum(Tally tally, byte minTtl) : IFilter
    {
        public bool Keep(Packet p)
        {
            tally.Packets++;
            tally.Bytes += p.Length;
            if (p.Ipv4.Ttl >= minTtl) return true;
            tally.Dropped++;
            return false;
        }
    }
}
