// Who may write a bounded-consistency store, and the check that only they do.
// The writer is fixed at construction: either one pipeline core (a plain id check, no lock: only that
// core's thread can pass it) or the control plane (any non-worker thread; control-plane writes are rare,
// so they are serialised with a lock so that several control threads cannot corrupt the writer's copy).
using Switchboard.Sdk.Runtime;

namespace Switchboard.Sdk.State;

/// <summary>Names the writer of a bounded-consistency store.</summary>
public static class StateWriter
{
    /// <summary>
    /// Writer id meaning "the control plane": any thread that is not a pipeline worker (host control
    /// plane, gRPC handlers, setup code). Pipeline cores can then only read.
    /// </summary>
    public const int ControlPlane = CurrentCore.None;
}

/// <summary>The writer identity of one store and its enforcement.</summary>
internal sealed class SingleWriter
{
    private readonly Lock? _controlPlaneGate;

    public SingleWriter(int writer, string storeName)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(writer, StateWriter.ControlPlane);
        Writer = writer;
        StoreName = storeName;
        _controlPlaneGate = writer == StateWriter.ControlPlane ? new Lock() : null;
    }

    public int Writer { get; }
    public string StoreName { get; }

    /// <summary>True when the calling thread is this store's writer.</summary>
    public bool IsWriter => CurrentCore.Id == Writer;

    /// <summary>Enter a write section; throws when the caller is not the writer. Dispose to leave.</summary>
    public Scope Enter()
    {
        int caller = CurrentCore.Id;
        if (caller != Writer)
            throw new InvalidOperationException(
                $"{StoreName} is written only by {CurrentCore.Describe(Writer)}; write attempted from {CurrentCore.Describe(caller)}.");
        _controlPlaneGate?.Enter();
        return new Scope(_controlPlaneGate);
    }

    public readonly ref struct Scope(Lock? gate)
    {
        public void Dispose() => gate?.Exit();
    }
}
