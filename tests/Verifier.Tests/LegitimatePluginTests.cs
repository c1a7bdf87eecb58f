using Switchboard.Verifier.Tests.Support;

namespace Switchboard.Verifier.Tests;

/// <summary>Plugins that must be accepted: the first-party NFs as built, and vendor-style code
/// using generics, structs, closures, LINQ, records, iterators and constant tables.</summary>
public class LegitimatePluginTests
{
    [Test]
    public void Ttl_plugin_as_built() => Verdicts.AssertAccepted(PluginCompiler.InTree(typeof(Switchboard.Plugins.Ttl.TtlNf).Assembly));

    [Test]
    public void Monitor_plugin_as_built() => Verdicts.AssertAccepted(PluginCompiler.InTree(typeof(Switchboard.Plugins.Monitor.MonitorNf).Assembly));

    public sealed record Case(string Name, string Source)
    {
        public override string ToString() => Name;
    }

    private static IEnumerable<Case> Cases()
    {
        yield return new("generic struct UDFs and a generic helper", """
            using System;
            using Switchboard.Sdk;
            namespace Vendor;
            [NetworkFunction("mark")]
            public sealed class MarkNf : INetworkFunction
            {
                public Pipe Build(Pipe input, NfContext context) =>
                    input.Parse<Ethernet>().Parse<Ipv4>().Transform<Clamp<Ttl64>>().Filter<KeepLong>();
                public interface ILimit { byte Max { get; } }
                public struct Ttl64 : ILimit { public byte Max => 64; }
                private struct Clamp<TLimit> : ITransform where TLimit : struct, ILimit
                {
                    public void Transform(Packet p)
                    {
                        ref var ip = ref p.Ipv4;
                        ip.Ttl = Math.Min(ip.Ttl, default(TLimit).Max);
                    }
                }
                private struct KeepLong : IFilter { public bool Keep(Packet p) => Pick(p.Length, 60) >= 60; }
                private static T Pick<T>(T a, T b) where T : IComparable<T> => a.CompareTo(b) >= 0 ? a : b;
            }
            """);
        yield return new("closures, LINQ, records and string building off the fast path", """
            using System;
            using System.Collections.Generic;
            using System.Linq;
            using System.Text;
            using Switchboard.Sdk;
            namespace Vendor;
            public sealed record Rule(string Name, int Port, bool Allow);
            [NetworkFunction("acl")]
            public sealed class AclNf : INetworkFunction
            {
                private readonly Dictionary<int, Rule> _byPort = new();
                private long _hits;
                public Pipe Build(Pipe input, NfContext context)
                {
                    var names = context.Config.GetStrings("allow");
                    var rules = names.Select((n, i) => new Rule(n, 1000 + i, true)).Where(r => r.Name.Length > 0).OrderBy(r => r.Port).ToList();
                    foreach (var r in rules) _byPort[r.Port] = r;
                    int threshold = (int)context.Config.GetInt("threshold", 10);
                    context.Every(TimeSpan.FromSeconds(1), () => context.Log(Describe(threshold)));
                    return input.Filter(p => { _hits++; return p.Length > threshold; });
                }
                private string Describe(int threshold)
                {
                    var sb = new StringBuilder();
                    sb.Append($"{_hits} hits over {threshold}; ");
                    sb.AppendJoin(", ", _byPort.Values.GroupBy(r => r.Allow).Select(g => $"{g.Key}:{g.Count()}"));
                    return sb.ToString();
                }
            }
            """);
        yield return new("iterators, tuples, spans, constant tables and BinaryPrimitives", """
            using System;
            using System.Buffers.Binary;
            using System.Collections.Generic;
            using System.Numerics;
            using Switchboard.Sdk;
            namespace Vendor;
            [NetworkFunction("hash")]
            public sealed class HashNf : INetworkFunction
            {
                private static ReadOnlySpan<byte> Salt => [0x13, 0x37, 0xBE, 0xEF, 0x01, 0x02, 0x03, 0x04];
                private static readonly int[] Primes = { 2, 3, 5, 7, 11, 13 };
                public Pipe Build(Pipe input, NfContext context) => input.Transform<Mix>();
                private struct Mix : ITransform
                {
                    public void Transform(Packet p)
                    {
                        Span<byte> data = p.Data;
                        if (data.Length < 8) return;
                        uint h = BinaryPrimitives.ReadUInt32BigEndian(data) ^ BinaryPrimitives.ReadUInt32LittleEndian(Salt);
                        h = BitOperations.RotateLeft(h, 5) + (uint)BitOperations.PopCount(h);
                        var (a, b) = Split(h);
                        BinaryPrimitives.WriteUInt16BigEndian(data.Slice(4), (ushort)(a ^ b));
                    }
                }
                private static (ushort, ushort) Split(uint h) => ((ushort)(h >> 16), (ushort)h);
                public static IEnumerable<int> Odd() { foreach (var p in Primes) if ((p & 1) == 1) yield return p; }
                public static int Sum() { int s = 0; foreach (var p in Odd()) s += p; try { checked { s *= 2; } } catch (OverflowException) { s = -1; } finally { s++; } return s; }
            }
            """);
        yield return new("Sdk state, events and counters", """
            using System;
            using System.Collections.Generic;
            using Switchboard.Sdk;
            namespace Vendor;
            [NetworkFunction("count")]
            public sealed class CountNf : INetworkFunction, ICounterSource
            {
                private readonly List<long> _perPort = new();
                private int _ticks;
                public Pipe Build(Pipe input, NfContext context)
                {
                    for (int i = 0; i < 4; i++) _perPort.Add(0);
                    context.After(TimeSpan.FromMilliseconds(10), () => _ticks++);
                    return input.Transform(new Counter(this));
                }
                public void ReadCounters(ICollection<KeyValuePair<string, long>> into)
                {
                    for (int i = 0; i < _perPort.Count; i++) into.Add(new($"port{i}", _perPort[i]));
                    into.Add(new("ticks", _ticks));
                }
                private readonly struct Counter(CountNf owner) : ITransform
                {
                    public void Transform(Packet p) { int port = p.InputPort & 3; owner._perPort[port]++; }
                }
            }
            """);
    }

    [TestCaseSource(nameof(Cases))]
    public void Accepted(Case c) => Verdicts.AssertAccepted(PluginCompiler.Compile(c.Source, "Vendor." + c.Name.Split(' ')[0]));
}
