namespace Switchboard.Plugins.Maglev;

/// <summary>
/// Maglev lookup-table population (Eisenbud et al., NSDI 2016, §3.4, with the weighted variant the paper
/// mentions): each backend walks its own permutation of the table positions, <c>offset + j·skip mod M</c>,
/// where offset and skip come from two independent hashes of its name; backends take turns claiming their
/// next free preferred position, a backend of weight w taking w turns per round. M must be prime so every
/// skip generates a full permutation. Removing a backend leaves most positions of the others in place.
/// </summary>
public static class MaglevTable
{
    public const int DefaultSize = 65537;

    /// <summary>The table: entry = backend index, or -1 everywhere when every weight is 0.</summary>
    public static int[] Populate(IReadOnlyList<string> backends, IReadOnlyList<int> weights, int size)
    {
        if (!IsPrime(size)) throw new ArgumentException($"The Maglev table size must be prime; {size} is not.", nameof(size));
        if (weights.Count != backends.Count) throw new ArgumentException("One weight per backend.", nameof(weights));
        int n = backends.Count;
        var table = new int[size];
        Array.Fill(table, -1);
        if (weights.All(w => w <= 0)) return table;
        var offset = new long[n];
        var skip = new long[n];
        var next = new long[n];
        for (int i = 0; i < n; i++)
        {
            offset[i] = (long)(Hash(backends[i], 0xcbf29ce484222325UL) % (ulong)size);
            skip[i] = (long)(Hash(backends[i], 0x6c62272e07bb0142UL) % (ulong)(size - 1)) + 1;
        }
        for (int filled = 0; ;)
        {
            for (int i = 0; i < n; i++)
            {
                for (int turn = 0; turn < weights[i]; turn++)
                {
                    long c = (offset[i] + next[i] * skip[i]) % size;
                    while (table[c] >= 0)
                    {
                        next[i]++;
                        c = (offset[i] + next[i] * skip[i]) % size;
                    }
                    table[c] = i;
                    next[i]++;
                    if (++filled == size) return table;
                }
            }
        }
    }

    /// <summary>The table with every backend at weight 1.</summary>
    public static int[] Populate(IReadOnlyList<string> backends, int size = DefaultSize) =>
        Populate(backends, backends.Select(_ => 1).ToArray(), size);

    public static bool IsPrime(int n)
    {
        if (n < 2) return false;
        if (n % 2 == 0) return n == 2;
        for (int d = 3; (long)d * d <= n; d += 2)
            if (n % d == 0) return false;
        return true;
    }

    /// <summary>FNV-1a over the name from <paramref name="basis"/>, then a splitmix64 finaliser (stable across runs and machines).</summary>
    private static ulong Hash(string s, ulong basis)
    {
        ulong h = basis;
        foreach (char ch in s) { h ^= ch; h *= 0x100000001b3UL; }
        h ^= h >> 30; h *= 0xBF58476D1CE4E5B9UL;
        h ^= h >> 27; h *= 0x94D049BB133111EBUL;
        return h ^ (h >> 31);
    }
}
