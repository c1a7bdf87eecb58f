namespace Switchboard.Sdk;

/// <summary>
/// The per-core table of stream directions: a dictionary by <see cref="FlowKey"/> plus an intrusive
/// list ordered by last activity, so timeouts and eviction find the oldest direction in O(1).
/// State objects are pooled; the table never holds more than its bound. Not thread-safe: each core
/// has its own (flows stay on one core).
/// </summary>
internal sealed class StreamTable(int maxFlows)
{
    private readonly Dictionary<FlowKey, StreamState> _map = new(maxFlows);
    private readonly Stack<StreamState> _free = new();
    private StreamState? _oldest, _newest;

    public int Count => _map.Count;
    public int MaxFlows { get; } = maxFlows;
    public bool IsFull => _map.Count >= MaxFlows;
    public StreamState? Oldest => _oldest;

    public bool TryGet(in FlowKey key, out StreamState state) => _map.TryGetValue(key, out state!);

    /// <summary>A state for a new key (caller checked <see cref="IsFull"/> and evicted).</summary>
    public StreamState Add(in FlowKey key, long now)
    {
        var s = _free.Count > 0 ? _free.Pop() : new StreamState();
        s.Key = key;
        _map.Add(key, s);
        s.LastSeen = now;
        Append(s);
        return s;
    }

    /// <summary>Mark activity: the state becomes the newest.</summary>
    public void Touch(StreamState s, long now)
    {
        s.LastSeen = now;
        if (_newest == s) return;
        Unlink(s);
        Append(s);
    }

    /// <summary>Forget a state (its buffer must already be released) and pool the object.</summary>
    public void Remove(StreamState s)
    {
        _map.Remove(s.Key);
        Unlink(s);
        _free.Push(s);
    }

    private void Append(StreamState s)
    {
        s.Older = _newest;
        s.Newer = null;
        if (_newest is not null) _newest.Newer = s;
        else _oldest = s;
        _newest = s;
    }

    private void Unlink(StreamState s)
    {
        if (s.Older is not null) s.Older.Newer = s.Newer; else _oldest = s.Newer;
        if (s.Newer is not null) s.Newer.Older = s.Older; else _newest = s.Older;
        s.Older = s.Newer = null;
    }
}
