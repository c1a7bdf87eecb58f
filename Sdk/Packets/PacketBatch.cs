using System.Runtime.CompilerServices;

namespace Switchboard.Sdk;

/// <summary>
/// Up to <see cref="Capacity"/> packets moving through a pipeline together: an array of descriptor
/// pointers, like BESS' batch or VPP's vector. Allocated once per node at build time and reused, so
/// no allocation happens per batch. A node that receives a batch owns its packets until it passes
/// them on, sends them or drops them; after <c>Process</c> returns the batch is empty.
/// </summary>
public sealed unsafe class PacketBatch
{
    /// <summary>The default batch size (thesis and DPDK convention).</summary>
    public const int DefaultCapacity = 32;

    internal readonly PacketDesc*[] Items;

    public PacketBatch(int capacity = DefaultCapacity)
    {
        if (capacity <= 0 || capacity > 1024) throw new ArgumentOutOfRangeException(nameof(capacity), "Batch size must be 1..1024.");
        Items = new PacketDesc*[capacity];
    }

    public int Capacity => Items.Length;
    public int Count { get; internal set; }
    public bool IsFull => Count == Items.Length;

    /// <summary>A view of packet <paramref name="i"/>, for code that walks a whole batch.</summary>
    public Packet this[int i]
    {
        get
        {
            if ((uint)i >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(i));
            return new Packet(Items[i]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Add(PacketDesc* d) => Items[Count++] = d;

    internal void Clear() => Count = 0;
}
