namespace Switchboard.Sdk;

/// <summary>Parameters of the window operator (thesis 3.1.1: window size, sliding increment, timeout).</summary>
public sealed record WindowOptions
{
    /// <summary>Bytes per window handed to the stream UDF.</summary>
    public required int WindowSize { get; init; }

    /// <summary>Bytes the window advances after each full window, 1..<see cref="WindowSize"/>; 0 means
    /// <see cref="WindowSize"/> (tumbling windows).</summary>
    public int Slide { get; init; }

    /// <summary>A direction idle this long gets its remaining bytes delivered and its state freed.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Drop the received data segments (and FINs) instead of forwarding them, so the UDF can
    /// send a rewritten stream through <see cref="StreamContext.Emit"/> (packetize).</summary>
    public bool Consume { get; init; }

    /// <summary>Most stream directions tracked per core; the least recently active one is evicted
    /// (its bytes delivered with <see cref="WindowReason.Evicted"/>) to admit a new one.</summary>
    public int MaxFlows { get; init; } = 4096;

    /// <summary>Most bytes buffered per direction (window data plus out-of-order data). Bytes beyond
    /// it are dropped and counted; TCP retransmits them. Must be at least <see cref="WindowSize"/>.</summary>
    public int MaxBufferBytes { get; init; } = 64 * 1024;

    /// <summary>Largest TCP payload per packet when packetizing emitted bytes.</summary>
    public int MaxSegmentSize { get; init; } = 1460;

    internal int EffectiveSlide => Slide == 0 ? WindowSize : Slide;

    internal void Validate()
    {
        if (WindowSize < 1) throw new ArgumentOutOfRangeException(nameof(WindowSize), "Window size must be at least 1 byte.");
        if (Slide < 0 || Slide > WindowSize) throw new ArgumentOutOfRangeException(nameof(Slide), "Slide must be 1..WindowSize (0 = WindowSize).");
        if (Timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Timeout), "Timeout must be positive.");
        if (MaxFlows < 1) throw new ArgumentOutOfRangeException(nameof(MaxFlows), "MaxFlows must be at least 1.");
        if (MaxBufferBytes < WindowSize || MaxBufferBytes > 1 << 30)
            throw new ArgumentOutOfRangeException(nameof(MaxBufferBytes), "MaxBufferBytes must be at least WindowSize (and at most 1 GiB).");
        if (MaxSegmentSize < 1 || MaxSegmentSize > 9000) throw new ArgumentOutOfRangeException(nameof(MaxSegmentSize), "MaxSegmentSize must be 1..9000.");
    }
}

/// <summary>Why the stream UDF is being called.</summary>
public enum WindowReason : byte
{
    /// <summary>A full window of <see cref="WindowOptions.WindowSize"/> contiguous bytes.</summary>
    Full,
    /// <summary>The direction was closed by a FIN; the data is what remained.</summary>
    Closed,
    /// <summary>No segment arrived within the timeout; the data is what remained.</summary>
    Timeout,
    /// <summary>The connection was reset (RST in either direction); the data is what remained.</summary>
    Reset,
    /// <summary>The direction was evicted to make room for a new one (<see cref="WindowOptions.MaxFlows"/>).</summary>
    Evicted,
}

/// <summary>Which side of the connection sent a stream, when the handshake was seen.</summary>
public enum StreamDirection : byte
{
    /// <summary>Picked up mid-stream: no SYN was seen.</summary>
    Unknown,
    /// <summary>Sent by the side that sent the first SYN.</summary>
    ClientToServer,
    /// <summary>Sent by the side that answered with SYN+ACK.</summary>
    ServerToClient,
}
