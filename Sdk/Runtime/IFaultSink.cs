namespace Switchboard.Sdk.Runtime;

/// <summary>Receives the faults (exceptions thrown by user code) of one NF replica's nodes and timers, so
/// the host can count them per NF instance across cores and quarantine the NF. Called on the faulting core.</summary>
internal interface IFaultSink
{
    void OnFault(string where, Exception e);
}

/// <summary>A schedulable holding work that would otherwise wait for a timeout (a window's open streams).
/// The host calls it when the owning NF generation is retired, so nothing is left behind.</summary>
internal interface IRetireFlush
{
    /// <summary>Finish everything pending now; returns the packets emitted.</summary>
    int FlushForRetire();
}
