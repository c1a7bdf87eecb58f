namespace Switchboard.Sdk;

/// <summary>
/// Implemented by an NF that has counters of its own (flows tracked, rules hit...). The host reads
/// them from every core's instance after the run (and for live status), and sums by name.
/// </summary>
public interface ICounterSource
{
    void ReadCounters(ICollection<KeyValuePair<string, long>> into);
}
