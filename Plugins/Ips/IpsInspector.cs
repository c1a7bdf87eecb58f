using Switchboard.Sdk;

namespace Switchboard.Plugins.Ips;

/// <summary>
/// One core's IPS state: the matcher state per TCP stream direction (carried across windows, so a
/// signature split across segments or windows is still found), the infected-flow set (thesis listing 6),
/// and the counters. Single-threaded: the window UDF and the enforcing filter run on the core's thread.
/// </summary>
public sealed class IpsInspector
{
    private readonly RuleSet _set;
    private readonly Action<string> _log;
    private readonly int _maxStreams;
    private readonly long _streamIdleTicks, _infectedIdleTicks;
    private readonly Dictionary<FlowKey, ScanState> _streams = new();
    private readonly Stack<ScanState> _pool = new();
    private readonly Dictionary<FlowKey, long> _infected = new();
    private readonly ScanState _packetScan;
    private long _tick;
    private bool _infectedNow;

    /// <summary>Alerts raised (alert rules); drop-rule matches; packets dropped because their flow is infected.</summary>
    public long Alerts, DropMatches, DroppedPackets;
    /// <summary>Flows marked infected; stream bytes and UDP payload bytes scanned; streams not tracked because the table was full.</summary>
    public long InfectedFlows, StreamBytes, UdpBytes, Untracked;
    /// <summary>Matches per rule (index = rule position).</summary>
    public readonly long[] RuleHits;

    /// <summary>Create a core's inspector; idle times are in calls to <see cref="Tick"/>.</summary>
    public IpsInspector(RuleSet set, Action<string> log, int maxStreams, int streamIdleTicks, int infectedIdleTicks)
    {
        _set = set;
        _log = log;
        _maxStreams = maxStreams;
        _streamIdleTicks = streamIdleTicks;
        _infectedIdleTicks = infectedIdleTicks;
        RuleHits = new long[set.Rules.Length];
        _packetScan = new ScanState();
    }

    /// <summary>Stream directions with matcher state; flows currently infected.</summary>
    public int Streams => _streams.Count;
    /// <summary>Flow keys (both directions) currently marked infected.</summary>
    public int Infected => _infected.Count;

    /// <summary>Whether the flow (either direction) is marked infected.</summary>
    public bool IsInfected(in FlowKey key) => _infected.ContainsKey(key);

    /// <summary>Window UDF body: advance the direction's matcher over the window's bytes.</summary>
    public void OnWindow(in StreamContext stream, ReadOnlySpan<byte> data)
    {
        var key = stream.Flow;
        bool last = stream.Reason != WindowReason.Full;
        if (_infected.Count > 0 && _infected.ContainsKey(key))
        {
            // Already dropping the flow: nothing more to look for.
            if (_streams.Remove(key, out var done)) _pool.Push(done);
            return;
        }
        if (!_streams.TryGetValue(key, out var s))
        {
            if (_streams.Count >= _maxStreams) { Untracked++; return; }
            s = _pool.Count > 0 ? _pool.Pop() : new ScanState();
            s.Reset(key, stream.Direction, tcp: true);
            if (!last) _streams.Add(key, s);
        }
        s.LastTick = _tick;
        StreamBytes += data.Length;
        Scan(s, stream.Offset, data);
        if (last && _streams.Remove(key)) _pool.Push(s);
        else if (last) _pool.Push(s);
    }

    /// <summary>Filter body: drop packets of infected flows; match UDP payloads packet by packet.</summary>
    public bool Keep(Packet p)
    {
        bool tcp = p.Has(HeaderKind.Tcp);
        if (!tcp && !p.Has(HeaderKind.Udp)) return true;
        if (!FlowKey.TryGet(p, out var key)) return true;
        if (_infected.Count > 0 && _infected.ContainsKey(key))
        {
            _infected[key] = _tick;
            DroppedPackets++;
            return false;
        }
        if (tcp) return true;
        var payload = p.Payload;
        if (payload.IsEmpty) return true;
        UdpBytes += payload.Length;
        _packetScan.Reset(key, StreamDirection.Unknown, tcp: false);
        _infectedNow = false;
        Scan(_packetScan, 0, payload);
        if (!_infectedNow) return true;
        DroppedPackets++;
        return false;
    }

    /// <summary>Periodic sweep (once a second): forget idle stream state and infected flows.</summary>
    public void Tick()
    {
        _tick++;
        foreach (var (key, s) in _streams)
            if (_tick - s.LastTick > _streamIdleTicks) { _streams.Remove(key); _pool.Push(s); }
        foreach (var (key, seen) in _infected)
            if (_tick - seen > _infectedIdleTicks) _infected.Remove(key);
    }

    private void Scan(ScanState s, long baseOffset, ReadOnlySpan<byte> data)
    {
        if (_set.ExactOwner.Length > 0)
        {
            var sink = new Sink(this, s, baseOffset, folded: false);
            s.Exact = _set.Exact.Scan(s.Exact, data, ref sink);
        }
        if (_set.FoldedOwner.Length > 0)
        {
            var sink = new Sink(this, s, baseOffset, folded: true);
            s.Folded = _set.Folded.Scan(s.Folded, data, ref sink);
        }
    }

    /// <summary>A content of a rule was seen ending at stream offset <paramref name="end"/>: check its
    /// modifiers against the rule's progress (contents match in order, greedily) and fire when complete.</summary>
    private void OnContent(ScanState s, int r, int k, int length, long end)
    {
        var rule = _set.Rules[r];
        int i = s.Find(r);
        int progress = i < 0 ? 0 : s.Progress[i];
        if (progress == rule.Contents.Count) return; // already fired for this stream
        var c = rule.Contents[k];
        long start = end - length;
        if (k == 0)
        {
            if (c.Offset >= 0 && start < c.Offset) return;
            if (c.Depth >= 0 && end > Math.Max(0, c.Offset) + c.Depth) return;
            if (progress > 1) return;
            if (i < 0) i = s.Add(r);
            s.LastEnd[i] = end; // (re)anchor on the latest first content
            s.Progress[i] = progress = 1;
        }
        else
        {
            if (i < 0 || k != progress) return;
            long prev = s.LastEnd[i];
            if (c.Distance >= 0 && start < prev + c.Distance) return;
            if (c.Within >= 0 && end > prev + c.Within) return;
            if (c.Distance < 0 && c.Within < 0 && start < prev) return;
            s.LastEnd[i] = end;
            s.Progress[i] = ++progress;
        }
        if (progress == rule.Contents.Count) Fire(s, r, rule);
    }

    private void Fire(ScanState s, int r, IpsRule rule)
    {
        var key = s.Key;
        if (!HeaderMatches(rule, key, s.Tcp, s.Direction)) return;
        RuleHits[r]++;
        if (rule.Action == IpsAction.Alert)
        {
            Alerts++;
            _log($"alert sid:{rule.Sid} \"{rule.Message}\" {key}");
            return;
        }
        DropMatches++;
        _log($"drop sid:{rule.Sid} \"{rule.Message}\" {key}");
        _infectedNow = true;
        if (_infected.TryAdd(key, _tick)) InfectedFlows++;
        _infected.TryAdd(key.Reverse(), _tick);
    }

    private static bool HeaderMatches(IpsRule rule, in FlowKey key, bool tcp, StreamDirection dir)
    {
        if (rule.Flow == IpsFlowDirection.ToServer && (dir == StreamDirection.ServerToClient || !tcp)) return false;
        if (rule.Flow == IpsFlowDirection.ToClient && (dir == StreamDirection.ClientToServer || !tcp)) return false;
        if (!key.IsIpv4)
            return rule.Source.Length == 0 && rule.Destination.Length == 0
                && (rule.Protocol == IpsProtocol.Ip || (rule.Protocol == IpsProtocol.Tcp) == tcp)
                && rule.SourcePorts.Contains(key.SourcePort) && rule.DestinationPorts.Contains(key.DestinationPort);
        return rule.HeaderMatches(tcp, key.SourceIpv4, key.SourcePort, key.DestinationIpv4, key.DestinationPort);
    }

    /// <summary>Matcher state of one stream direction (or of the UDP packet being scanned). Rule progress is
    /// sparse (only rules whose first content was seen), so memory and reset cost do not grow with the rule count;
    /// the arrays grow by doubling and are kept when the state is pooled.</summary>
    private sealed class ScanState
    {
        public FlowKey Key;
        public StreamDirection Direction;
        public bool Tcp;
        public int Exact, Folded;
        public long LastTick;
        public int Count;
        public int[] Rule = new int[4], Progress = new int[4];
        public long[] LastEnd = new long[4];

        public void Reset(in FlowKey key, StreamDirection dir, bool tcp)
        {
            Key = key;
            Direction = dir;
            Tcp = tcp;
            Exact = Folded = 0;
            Count = 0;
        }

        public int Find(int rule)
        {
            for (int i = 0; i < Count; i++)
                if (Rule[i] == rule) return i;
            return -1;
        }

        public int Add(int rule)
        {
            if (Count == Rule.Length)
            {
                Array.Resize(ref Rule, Count * 2);
                Array.Resize(ref Progress, Count * 2);
                Array.Resize(ref LastEnd, Count * 2);
            }
            Rule[Count] = rule;
            Progress[Count] = 0;
            LastEnd[Count] = 0;
            return Count++;
        }
    }

    private readonly struct Sink(IpsInspector owner, ScanState state, long baseOffset, bool folded) : IMatchSink
    {
        public void OnMatch(int id, int end)
        {
            var set = owner._set;
            var (r, k) = folded ? set.FoldedOwner[id] : set.ExactOwner[id];
            var pattern = set.Rules[r].Contents[k].Pattern;
            owner.OnContent(state, r, k, pattern.Length, baseOffset + end);
        }
    }
}
