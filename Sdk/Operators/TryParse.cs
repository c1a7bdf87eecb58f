using System.Runtime.CompilerServices;

namespace Switchboard.Sdk;

/// <summary>Parse when the header is there; otherwise pass the packet on unchanged (for NFs such as a
/// monitor that must not drop traffic they do not understand). Failures are still counted.
/// Runs as a <see cref="TryParseStage{T, TParser}"/>.</summary>
internal abstract class TryParseNode : StageNode, IRefusals
{
    /// <summary>Packets that reached the try-parse and were not parsed.</summary>
    public long NotParsed;

    /// <summary>The header kind it parses.</summary>
    public abstract HeaderKind Kind { get; }

    void IRefusals.Refused(ParseStatus status) => NotParsed++;
}

internal sealed class TryParseNode<T> : TryParseNode where T : struct, IHeader
{
    public override HeaderKind Kind => T.Kind;
}

internal unsafe struct TryParseStage<T, TParser>(TryParseNode<T> node) : IStage where T : struct, IHeader where TParser : struct, IParser
{
    private int _notParsed;

    public static int Count => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Run(PacketDesc* d, ref int mark, int at)
    {
        if (TParser.TryFast(d)) return Outcome.Keep;
        if (!TParser.FastIsFinal) return at;
        _notParsed++;
        return Outcome.Keep;
    }

    public bool RunFrom(PacketDesc* d, ref int mark, int at, int from)
    {
        if (TParser.Rest(d) != ParseStatus.Ok) _notParsed++;
        return true;
    }

    public void Settle(ref int remaining)
    {
        node.Credit(remaining, 0);
        node.NotParsed += _notParsed;
        _notParsed = 0;
    }

    public readonly Node? Fault(int mark, int at) => null;
}

public sealed partial class Pipe
{
    /// <summary>Parse <typeparamref name="T"/> where present; packets without it continue unparsed
    /// (check with <see cref="Packet.Has"/>).</summary>
    public Pipe TryParse<T>() where T : struct, IHeader
    {
        var node = new TryParseNode<T>();
        string kind = $"try-parse-{T.Kind.ToString().ToLowerInvariant()}";
        if (MergeIntoEntry<T>(node, drops: false, kind) is { } merged) return merged;
        // A failed parse leaves the stack as it was, so only what holds either way is known afterwards.
        return T.Kind == HeaderKind.Ethernet && Known == KnownStack.Empty
            ? Fuse(new TryParseStage<T, ParseEthernetFirst>(node), node, kind)
            : Fuse(new TryParseStage<T, ParseByKind<T>>(node), node, kind);
    }
}
