namespace Switchboard.Json;

/// <summary>Suggests the closest known name for a typo (case-insensitive optimal string alignment distance).</summary>
public static class NearestName
{
    /// <summary>The closest candidate within a typo-sized distance, or null.</summary>
    public static string? Find(string input, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            int d = Distance(input.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance) (best, bestDistance) = (candidate, d);
        }
        int allowed = Math.Max(1, Math.Min(3, input.Length / 3));
        return bestDistance <= allowed ? best : null;
    }

    /// <summary><c> (did you mean 'x'?)</c> or empty.</summary>
    public static string Hint(string input, IEnumerable<string> candidates) =>
        Find(input, candidates) is { } s ? $" (did you mean '{s}'?)" : "";

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        for (int j = 1; j <= b.Length; j++)
        {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
        }
        return d[a.Length, b.Length];
    }
}
