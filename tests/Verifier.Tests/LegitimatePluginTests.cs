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

    private static IEnumerable<System.Reflection.Assembly> FirstParty() =>
    [
        typeof(Switchboard.Plugins.Nat.NatNf).Assembly,
        typeof(Switchboard.Plugins.Maglev.MaglevNf).Assembly,
        typeof(Switchboard.Plugins.Firewall.FirewallNf).Assembly,
        typeof(Switchboard.Plugins.Lpm.LpmNf).Assembly,
        typeof(Switchboard.Plugins.Ips.IpsNf).Assembly,
    ];

    [TestCaseSource(nameof(FirstParty))]
    public void First_party_plugin_as_built(System.Reflection.Assembly plugin) => Verdicts.AssertAccepted(PluginCompiler.InTree(plugin));

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

/// <summary>Everyday C# shapes that the type-flow check must accept (each one a past false-rejection risk).</summary>
public class LegitimateShapesTests
{
    private const string KitchenSink = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using Switchboard.Sdk;
        namespace Vendor;
        public enum Verdict : byte { Pass, Drop, Mark }
        public interface IShape { int Area { get; } }
        public sealed class Sq(int side) : IShape { public int Area => side * side; }
        public sealed class Rect(int w, int h) : IShape { public int Area => w * h; }
        public struct Counter { public long N; public void Bump(in int by) { N += by; } }
        public abstract class Base { public virtual string Name => "base"; public override string ToString() => Name; }
        public sealed class Leaf : Base { public override string Name => "leaf:" + base.Name; }
        [NetworkFunction("sink")]
        public sealed class SinkNf : INetworkFunction, IDisposable
        {
            private readonly Dictionary<string, int> _counts = new();
            private readonly Counter[] _perCore = new Counter[4];
            private Verdict _last;
            public Pipe Build(Pipe input, NfContext context)
            {
                IEnumerable<object> objs = new List<string> { "a", "b" };
                IShape s = context.CoreId > 0 ? new Sq(2) : new Rect(1, 3);
                int total = s.Area + objs.Count();
                foreach (var kv in _counts) total += kv.Value;
                ref var c = ref _perCore[context.CoreId & 3];
                c.Bump(total);
                _last = Classify(context.InstanceName);
                int? maybe = total > 3 ? total : null;
                object o = maybe ?? 0;
                if (o is int i && i > 1) total += i;
                try { total = checked(total * 2); }
                catch (OverflowException e) when (e.Message.Length > 0) { total = 0; }
                finally { _counts["x"] = total; }
                using (this) { }
                Span<int> buf = new int[8];
                buf.Fill(total);
                var sorted = buf.ToArray().OrderBy(x => -x).Select((x, k) => (x, k)).ToDictionary(t => t.k, t => t.x);
                _counts["sorted"] = sorted.Count;
                Base b = new Leaf();
                context.Log(b.ToString() + _last + string.Join(",", Enum.GetValues<Verdict>()));
                return input.Filter(p => _last != Verdict.Drop && p.Length > 0);
            }
            private static Verdict Classify(string name) => name switch
            {
                "alpha" => Verdict.Pass, "beta" => Verdict.Drop, "gamma" => Verdict.Mark,
                "delta" => Verdict.Pass, "epsilon" => Verdict.Drop, "zeta" => Verdict.Mark, "eta" => Verdict.Pass,
                _ => name.Length switch { > 10 => Verdict.Drop, _ => Verdict.Pass },
            };
            public void Dispose() { _counts.Clear(); }
        }
        """;

    [Test]
    public void Everyday_csharp_is_accepted() => Verdicts.AssertAccepted(PluginCompiler.Compile(KitchenSink, "Vendor.Sink"));
}

public class LegitimateRefsTests
{
    [Test]
    public void Refs_from_calls_with_out_locals_may_be_returned() => Verdicts.AssertAccepted(PluginCompiler.Compile("""
        using System.Collections.Generic;
        using System.Runtime.CompilerServices;
        using System.Runtime.InteropServices;
        namespace Vendor;
        public sealed class Table
        {
            private readonly Dictionary<int, long> _map = new();
            public ref long Slot(int key, out bool existed) => ref CollectionsMarshal.GetValueRefOrAddDefault(_map, key, out existed);
            public ref long Slot(int key) => ref Slot(key, out _);
            public ref long Find(int key) => ref CollectionsMarshal.GetValueRefOrNullRef(_map, key);
            public ref long FindLive(int key)
            {
                ref long v = ref Find(key);
                return ref Unsafe.IsNullRef(ref v) || v < 0 ? ref Unsafe.NullRef<long>() : ref v;
            }
            public List<int> Keys() => [.. _map.Keys];
        }
        """, "Vendor.Table"));

    [Test]
    public void Refs_into_arrays_and_spans_may_be_returned() => Verdicts.AssertAccepted(PluginCompiler.Compile("""
        using System;
        namespace Vendor;
        public static class Refs
        {
            public static ref int At(int[] a, int i) => ref a[i];
            public static ref int First(Span<int> s) => ref s[0];
            public static ref readonly byte Peek(ReadOnlySpan<byte> s, int i) => ref s[i];
            public static ref int Pick(ref int a, ref int b, bool first) => ref first ? ref a : ref b;
            public static int Use() { int x = 1, y = 2; ref int r = ref Pick(ref x, ref y, true); r++; return x + First(new int[3]) + At(new int[2], 1); }
        }
        """, "Vendor.Refs"));

    [Test]
    public void Method_group_delegates_with_variance_are_accepted() => Verdicts.AssertAccepted(PluginCompiler.Compile("""
        using System;
        using System.Collections.Generic;
        using System.Linq;
        namespace Vendor;
        public static class Groups
        {
            static void Print(object o) { }
            static string Name() => "n";
            public static int Use(List<int> list)
            {
                Func<string?, bool> empty = string.IsNullOrEmpty;
                Func<string> text = "x".ToString;
                Action<string> print = Print;
                Func<object> named = Name;
                IEnumerable<int> seq = list;
                Func<int> count = seq.Count;
                Func<int, bool> even = static x => (x & 1) == 0;
                print(text());
                return (empty(null) ? 1 : 0) + count() + list.Count(even) + (named() is string ? 1 : 0);
            }
        }
        """, "Vendor.Groups"));

    [Test]
    public void Params_span_overloads_are_checked()
    {
        // C# 13 binds string.Join(sep, a, b, c) to a params ReadOnlySpan overload, built on a stack buffer by
        // compiler helpers that use Unsafe: the verifier cannot prove the span stays in the frame, so it refuses.
        var r = Verdicts.Verify(PluginCompiler.Compile("""
            namespace Vendor;
            public static class Text { public static string Three(string a, string b, string c) => string.Join(",", a, b, c); }
            """, "Vendor.Params"));
        TestContext.Out.WriteLine(Verdicts.Describe(r));
        Assert.That(r.Ok || r.Has(Rules.UnsafeApi), Is.True, Verdicts.Describe(r));
    }
}

public class LegitimateGenericsTests
{
    [Test]
    public void Constrained_generic_values_are_used_as_their_constraints() => Verdicts.AssertAccepted(PluginCompiler.Compile("""
        using System.Collections.Generic;
        namespace Vendor;
        public abstract class Named { public abstract string Name { get; } }
        public static class Generic
        {
            public static void Add<TList, T>(TList list, T item) where TList : List<T> => list.Add(item);
            public static string NameOf<T>(T x) where T : Named => x.Name;
            public static Named AsNamed<T>(T x) where T : Named => x;
            public static void Bump(byte b) { Inc(ref b); }
            public static int Sum(string s) { ref readonly char c = ref s.GetPinnableReference(); return Twice(in c) + Twice(in System.MemoryExtensions.AsSpan(s)[0]); }
            static int Twice(in char c) => c * 2;
            static void Inc(ref byte b) => b++;
        }
        """, "Vendor.Generic"));
}
