using System.Runtime.CompilerServices;

namespace Switchboard.Sdk;

/// <summary>Parse when the header is there; otherwise pass the packet on unchanged (for NFs such as a
/// monitor that must not drop traffic they do not understand). Failures are still counted.
/// Runs as a <see cref="TryParseStage{T}"/>.</summary>
internal sealed class TryParseNode<T> : StageNode where T : struct, IHeader
{
    public long NotParsed;
}

internal unsafe struct TryParseStage<T>(TryParseNode<T> node) : IStage where T : struct, IHeader
{
    private int _notParsed;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Run(PacketDesc* d, ref int mark)
    {
        if (HeaderParser.Parse(d, T.Kind) != ParseStatus.Ok) _notParsed++;
        return true;
    }

    public void Settle(ref int remaining)
    {
        node.Credit(remaining, 0);
        node.NotParsed += _notParsed;
        _notParsed = 0;
    }

    public readonly Node? Fault(int index) => null;
}

public sealed partial class Pipe
{
    /// <summary>Parse <typeparamref name="T"/> where present; packets without it continue unparsed
    /// (check with <see cref="Packet.Has"/>).</summary>
    public Pipe TryParse<T>() where T : struct, IHeader
    {
        var node = new TryParseNode<T>();
        return Fuse(new TryParseStage<T>(node), node, $"try-parse-{T.Kind.ToString().ToLowerInvariant()}");
    }
}
