namespace Switchboard.Sdk;

/// <summary>
/// A bytestream UDF (thesis 3.1.1): called with windows of reassembled TCP payload. Write it as a
/// struct; the window node is generic over it, so each call is direct and can be inlined.
/// </summary>
public interface IStreamUdf
{
    /// <summary>Called with a window of contiguous bytes of one direction of a TCP connection.
    /// <paramref name="data"/> is valid only during the call.</summary>
    void OnWindow(in StreamContext stream, ReadOnlySpan<byte> data);
}

/// <summary>What a stream UDF learns about the window it is given, and how it sends bytes (Consume mode).
/// Valid only during the call.</summary>
public readonly ref struct StreamContext
{
    private readonly IStreamEmitter _emitter;
    private readonly StreamState _state;

    internal StreamContext(IStreamEmitter emitter, StreamState state, WindowReason reason, long offset)
    {
        _emitter = emitter;
        _state = state;
        Reason = reason;
        Offset = offset;
    }

    /// <summary>The 5-tuple of this direction (source = the sender of these bytes).</summary>
    public FlowKey Flow => _state.Key;

    /// <summary>Client-to-server or server-to-client, when the handshake was seen.</summary>
    public StreamDirection Direction => _state.Direction;

    /// <summary>Why the UDF is called.</summary>
    public WindowReason Reason { get; }

    /// <summary>Stream offset of the first byte of the data (0 = first payload byte after the SYN,
    /// or the first byte seen when picked up mid-stream).</summary>
    public long Offset { get; }

    /// <summary>
    /// Send <paramref name="data"/> on in this direction, packetized into TCP segments that reuse the
    /// flow's Ethernet/IP/TCP headers, continuing the flow's output sequence numbers. Only in
    /// <see cref="WindowOptions.Consume"/> mode (otherwise throws <see cref="InvalidOperationException"/>).
    /// Returns false if buffers ran out or the headers could not be captured (the shortfall is counted on
    /// the node). Emitted packets leave the window node ahead of the packets it forwards afterwards.
    /// </summary>
    public bool Emit(ReadOnlySpan<byte> data) => _emitter.Emit(_state, data);
}

/// <summary>The node behind a <see cref="StreamContext"/>.</summary>
internal interface IStreamEmitter
{
    bool Emit(StreamState state, ReadOnlySpan<byte> data);
}
