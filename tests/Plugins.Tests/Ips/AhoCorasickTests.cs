using Switchboard.Plugins.Ips;

namespace Switchboard.Plugins.Tests.Ips;

public class AhoCorasickTests
{
    private struct Collect : IMatchSink
    {
        public List<(int, int)> Found;
        public readonly void OnMatch(int id, int end) => Found.Add((id, end));
    }

    private static List<(int, int)> Naive(IReadOnlyList<byte[]> patterns, byte[] text, bool fold)
    {
        var found = new List<(int, int)>();
        for (int end = 1; end <= text.Length; end++)
            for (int id = 0; id < patterns.Count; id++)
            {
                var p = patterns[id];
                if (p.Length == 0 || p.Length > end) continue;
                bool ok = true;
                for (int j = 0; j < p.Length && ok; j++)
                {
                    byte a = text[end - p.Length + j], b = p[j];
                    ok = fold ? AsciiLower(a) == AsciiLower(b) : a == b;
                }
                if (ok) found.Add((id, end));
            }
        return found;
    }

    private static byte AsciiLower(byte b) => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b + 32) : b;

    [TestCase(1, false)]
    [TestCase(2, true)]
    [TestCase(3, false)]
    [TestCase(4, true)]
    public void MatchesExactlyWhatANaiveSearchFinds_SeededRandom(int seed, bool fold)
    {
        var rng = new Random(seed);
        // A small alphabet makes overlapping and nested patterns common.
        byte[] alphabet = "abAB\0c"u8.ToArray();
        byte Pick() => alphabet[rng.Next(alphabet.Length)];
        for (int round = 0; round < 20; round++)
        {
            var patterns = Enumerable.Range(0, rng.Next(1, 12)).Select(_ => Enumerable.Range(0, rng.Next(1, 6)).Select(_ => Pick()).ToArray()).ToList();
            var text = Enumerable.Range(0, rng.Next(0, 300)).Select(_ => Pick()).ToArray();
            var ac = new AhoCorasick(patterns, fold);
            var sink = new Collect { Found = [] };
            // Scan in random chunks, carrying the state, as the stream matcher does across windows.
            int state = 0, pos = 0;
            while (pos < text.Length)
            {
                int n = rng.Next(1, 17);
                n = Math.Min(n, text.Length - pos);
                var chunk = new Collect { Found = [] };
                state = ac.Scan(state, text.AsSpan(pos, n), ref chunk);
                foreach (var (id, end) in chunk.Found) sink.Found.Add((id, end + pos));
                pos += n;
            }
            var expected = Naive(patterns, text, fold);
            Assert.That(sink.Found.Order(), Is.EqualTo(expected.Order()), $"round {round}");
        }
    }
}
