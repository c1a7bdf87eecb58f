namespace Switchboard.Sdk;

/// <summary>Parse when the header is there; otherwise pass the packet on unchanged (for NFs such as a
/// monitor that must not drop traffic they do not understand). Failures are still counted.</summary>
internal sealed unsafe class TryParseNode<T> : Node where T : struct, IHeader
{
    public long NotParsed;

    internal override void Process(PacketBatch batch)
    {
        int n = batch.Count;
        _in += n;
        long notParsed = 0;
        fixed (PacketDesc** items = batch.Items)
            for (int i = 0; i < n; i++)
                if (HeaderParser.Parse(items[i], T.Kind) != ParseStatus.Ok) notParsed++;
        NotParsed += notParsed;
        Emit(batch);
    }
}

public sealed partial class Pipe
{
    /// <summary>Parse <typeparamref name="T"/> where present; packets without it continue unparsed
    /// (check with <see cref="Packet.Has"/>).</summary>
    public Pipe TryParse<T>() where T : struct, IHeader => Then(new TryParseNode<T>(), $"try-parse-{T.Kind.ToString().ToLowerInvariant()}");
}
