using Switchboard.Sdk.Tests.Support;
using System.Text;

namespace Switchboard.Sdk.Tests.Streams;

/// <summary>One UDF call as seen by a test.</summary>
internal sealed record WindowCall(FlowKey Flow, StreamDirection Direction, WindowReason Reason, long Offset, byte[] Data)
{
    public string Text => Encoding.ASCII.GetString(Data);
}

/// <summary>A stream UDF that records every call; optionally rewrites (uppercases) and emits in Consume mode.</summary>
internal readonly struct Recorder(List<WindowCall> calls, bool emitUpper = false) : IStreamUdf
{
    public void OnWindow(in StreamContext stream, ReadOnlySpan<byte> data)
    {
        calls.Add(new WindowCall(stream.Flow, stream.Direction, stream.Reason, stream.Offset, data.ToArray()));
        if (!emitUpper) return;
        Span<byte> upper = stackalloc byte[data.Length];
        for (int i = 0; i < data.Length; i++) upper[i] = data[i] is >= (byte)'a' and <= (byte)'z' ? (byte)(data[i] - 32) : data[i];
        Assert.That(stream.Emit(upper), Is.True);
    }
}

/// <summary>Builds the segments of one TCP connection.</summary>
internal sealed class Conversation(uint clientIsn = 1000, uint serverIsn = 5000, ushort clientPort = 40000)
{
    public const string Client = "10.0.0.1", Server = "10.0.0.2";

    public byte[] Syn() => Frames.Tcp(Client, Server, clientPort, 80, clientIsn, 0, Tcp.Syn);
    public byte[] SynAck() => Frames.Tcp(Server, Client, 80, clientPort, serverIsn, clientIsn + 1, Tcp.Syn | Tcp.Ack);

    /// <summary>Client data at stream offset <paramref name="offset"/> (0 = first byte after the SYN).</summary>
    public byte[] Data(int offset, string text, byte extraFlags = 0) =>
        Frames.Tcp(Client, Server, clientPort, 80, clientIsn + 1 + (uint)offset, serverIsn + 1, (byte)(Tcp.Ack | Tcp.Psh | extraFlags), Encoding.ASCII.GetBytes(text));

    public byte[] ServerData(int offset, string text, byte extraFlags = 0) =>
        Frames.Tcp(Server, Client, 80, clientPort, serverIsn + 1 + (uint)offset, clientIsn + 1, (byte)(Tcp.Ack | Tcp.Psh | extraFlags), Encoding.ASCII.GetBytes(text));

    public byte[] Fin(int offset) => Frames.Tcp(Client, Server, clientPort, 80, clientIsn + 1 + (uint)offset, serverIsn + 1, Tcp.Fin | Tcp.Ack);
    public byte[] Rst(int offset) => Frames.Tcp(Client, Server, clientPort, 80, clientIsn + 1 + (uint)offset, 0, Tcp.Rst);

    public FlowKey ClientKey => FlowKey.Ipv4(Ipv4.Address(Client), Ipv4.Address(Server), clientPort, 80, Ipv4.ProtoTcp);
}
