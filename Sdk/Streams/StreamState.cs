using System.Buffers;

namespace Switchboard.Sdk;

/// <summary>
/// One direction of a TCP connection being reassembled. Bytes live in a pooled array indexed by
/// sequence offset from <see cref="BaseSeq"/> (mod 2^32 arithmetic, so wrap-around needs no special
/// case): <c>[0, WindowStart)</c> is already delivered and reclaimable, <c>[WindowStart, Contiguous)</c>
/// waits for a full window, and out-of-order data sits further on, described by a few sorted islands.
/// Objects are pooled by the <see cref="StreamTable"/>; the byte array is rented while data is held.
/// </summary>
internal sealed class StreamState
{
    public const int MaxIslands = 16;
    public const int MaxTemplateBytes = 192;

    public FlowKey Key;
    public StreamDirection Direction;
    /// <summary>Finished by FIN or RST: holds no data and swallows late segments until it times out.</summary>
    public bool Closed;
    public long LastSeen;
    public StreamState? Older, Newer;

    public uint BaseSeq;
    public long BaseOffset;
    public byte[]? Buffer;
    public int WindowStart, Contiguous, Islands;
    public readonly int[] IslandStart = new int[MaxIslands], IslandEnd = new int[MaxIslands];
    public bool FinSeen;
    public uint FinSeq;

    // Header template for packetizing emitted bytes (Consume mode).
    public readonly byte[] Template = new byte[MaxTemplateBytes];
    public readonly byte[] Kinds = new byte[PacketDesc.MaxHeaders];
    public int TemplateLength, L3Offset, L4Offset, KindCount;
    public ushort InputPort;
    public uint OutSeq, LastAck;
    public ushort LastWindow;

    /// <summary>Prepare a pooled object for a new stream whose first payload byte has sequence <paramref name="firstSeq"/>.</summary>
    public void Start(FlowKey key, uint firstSeq, StreamDirection direction)
    {
        Key = key;
        Direction = direction;
        Closed = false;
        BaseSeq = firstSeq;
        OutSeq = firstSeq;
        BaseOffset = 0;
        WindowStart = Contiguous = Islands = 0;
        FinSeen = false;
        TemplateLength = 0;
    }

    public bool IsEmpty => Contiguous == 0 && Islands == 0 && BaseOffset == 0;

    /// <summary>Highest byte index holding data.</summary>
    private int HighWater => Islands == 0 ? Contiguous : Math.Max(Contiguous, IslandEnd[Islands - 1]);

    /// <summary>Store a segment's payload. Returns bytes dropped for lack of room (buffer bound or island slots).</summary>
    public int Accept(uint seq, ReadOnlySpan<byte> payload, int maxBytes, ref long duplicateBytes)
    {
        if (payload.IsEmpty) return 0;
        long start = (int)(seq - BaseSeq);
        long end = start + payload.Length;
        if (end <= Contiguous) { duplicateBytes += payload.Length; return 0; }
        if (start < Contiguous)
        {
            // A retransmission overlapping delivered or buffered bytes: keep only what is new.
            duplicateBytes += Contiguous - start;
            payload = payload[(int)(Contiguous - start)..];
            start = Contiguous;
        }
        // Reclaim delivered bytes rather than grow (or overflow) when they are at least half of what is held.
        if (end > (Buffer?.Length ?? 0) && WindowStart > 0 && (end > maxBytes || WindowStart * 2 >= HighWater))
        {
            int shift = WindowStart;
            Compact();
            start -= shift;
            end -= shift;
        }
        int dropped = 0;
        if (end > maxBytes)
        {
            dropped = (int)Math.Min(end - maxBytes, payload.Length);
            end = maxBytes;
            if (start >= end) return dropped;
            payload = payload[..(int)(end - start)];
        }
        int s = (int)start, e = (int)end;
        if (s != Contiguous && !TryAddIsland(s, e)) return dropped + payload.Length;
        EnsureCapacity(e, maxBytes);
        payload.CopyTo(Buffer.AsSpan(s));
        if (s == Contiguous)
        {
            Contiguous = e;
            // Islands the new bytes reach become contiguous.
            int merged = 0;
            while (merged < Islands && IslandStart[merged] <= Contiguous)
            {
                Contiguous = Math.Max(Contiguous, IslandEnd[merged]);
                merged++;
            }
            RemoveIslands(0, merged);
        }
        return dropped;
    }

    /// <summary>Record [s, e) as out-of-order data, merging with overlapping or adjacent islands.</summary>
    private bool TryAddIsland(int s, int e)
    {
        int first = 0;
        while (first < Islands && IslandEnd[first] < s) first++;
        int last = first;
        while (last < Islands && IslandStart[last] <= e) last++;
        if (first == last)
        {
            if (Islands == MaxIslands) return false;
            for (int i = Islands; i > first; i--) { IslandStart[i] = IslandStart[i - 1]; IslandEnd[i] = IslandEnd[i - 1]; }
            IslandStart[first] = s;
            IslandEnd[first] = e;
            Islands++;
            return true;
        }
        IslandStart[first] = Math.Min(s, IslandStart[first]);
        IslandEnd[first] = Math.Max(e, IslandEnd[last - 1]);
        RemoveIslands(first + 1, last - first - 1);
        return true;
    }

    private void RemoveIslands(int at, int count)
    {
        if (count == 0) return;
        for (int i = at; i + count < Islands; i++) { IslandStart[i] = IslandStart[i + count]; IslandEnd[i] = IslandEnd[i + count]; }
        Islands -= count;
    }

    private void EnsureCapacity(int needed, int maxBytes)
    {
        if (Buffer is not null && Buffer.Length >= needed) return;
        int size = Math.Max(needed, Math.Min(maxBytes, Math.Max(4096, (Buffer?.Length ?? 0) * 2)));
        var grown = ArrayPool<byte>.Shared.Rent(size);
        if (Buffer is not null)
        {
            Buffer.AsSpan(0, Math.Min(HighWater, Buffer.Length)).CopyTo(grown);
            ArrayPool<byte>.Shared.Return(Buffer);
        }
        Buffer = grown;
    }

    /// <summary>Discard delivered bytes before <see cref="WindowStart"/>, moving the rest to the front.</summary>
    public void Compact()
    {
        int shift = WindowStart;
        if (shift == 0) return;
        int high = HighWater;
        if (high > shift) Buffer.AsSpan(shift, high - shift).CopyTo(Buffer);
        for (int i = 0; i < Islands; i++) { IslandStart[i] -= shift; IslandEnd[i] -= shift; }
        BaseSeq += (uint)shift;
        BaseOffset += shift;
        Contiguous -= shift;
        WindowStart = 0;
    }

    /// <summary>True once every byte up to the FIN has arrived.</summary>
    public bool FinReached => FinSeen && (int)(FinSeq - BaseSeq) <= Contiguous;

    /// <summary>Give the byte array back and mark the stream finished.</summary>
    public void Release(bool keepAsClosed)
    {
        if (Buffer is not null) ArrayPool<byte>.Shared.Return(Buffer);
        Buffer = null;
        Contiguous = WindowStart = Islands = 0;
        Closed = keepAsClosed;
    }
}
