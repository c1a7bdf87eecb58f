namespace Switchboard.Sdk.Runtime;

/// <summary>A node the per-core scheduler visits round-robin (port receive, group-by queues, window
/// timers, shuffle inboxes, scheduled events). <see cref="Poll"/> returns the packets it moved.</summary>
internal interface ISchedulable
{
    string Name { get; }
    int Poll(long nowTicks);
}
