using System.Text.Json;

namespace Switchboard.Json;

/// <summary>
/// A JSON object being validated: typed getters that record an error (and return null) instead of throwing,
/// so one pass reports every problem. Missing optional keys return null without an error.
/// </summary>
public sealed class ObjectView
{
    private readonly IJsonDiagnostics _diag;

    private ObjectView(JsonElement element, string path, IJsonDiagnostics diag)
    {
        Element = element;
        Path = path;
        _diag = diag;
    }

    public JsonElement Element { get; }
    public string Path { get; }

    /// <summary>A view of <paramref name="element"/>, or null (error recorded) when it is not an object.</summary>
    public static ObjectView? From(JsonElement element, string path, IJsonDiagnostics diag)
    {
        if (element.ValueKind == JsonValueKind.Object) return new ObjectView(element, path, diag);
        diag.Error(path, $"expected an object, got {Describe(element)}");
        return null;
    }

    public string ChildPath(string key) => JsonPath.Key(Path, key);

    /// <summary>Properties in document order; a duplicated key (already an error) is seen once, first value.</summary>
    public IEnumerable<JsonProperty> Properties()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in Element.EnumerateObject())
            if (seen.Add(p.Name)) yield return p;
    }

    public bool TryGet(string key, out JsonElement value)
    {
        foreach (var p in Element.EnumerateObject())
            if (p.NameEquals(key))
            {
                value = p.Value;
                return true;
            }
        value = default;
        return false;
    }

    /// <summary>Every key not in <paramref name="known"/> is an error (it is usually a typo), with the nearest known key.</summary>
    public void RejectUnknownKeys(params string[] known)
    {
        foreach (var p in Properties())
            if (System.Array.IndexOf(known, p.Name) < 0)
                _diag.Error(ChildPath(p.Name), $"unknown key '{p.Name}'{NearestName.Hint(p.Name, known)}; known keys: {string.Join(", ", known)}");
    }

    private bool Get(string key, bool required, out JsonElement value)
    {
        if (TryGet(key, out value)) return true;
        if (required) _diag.Error(ChildPath(key), "required key is missing", at: Path);
        return false;
    }

    public string? String(string key, bool required = false)
    {
        if (!Get(key, required, out var v)) return null;
        if (v.ValueKind == JsonValueKind.String) return v.GetString();
        _diag.Error(ChildPath(key), $"expected a string, got {Describe(v)}");
        return null;
    }

    /// <summary>An integer in <paramref name="min"/>..<paramref name="max"/> (1.0 counts as an integer, as in JSON Schema).</summary>
    public long? Integer(string key, long min, long max, bool required = false) =>
        Get(key, required, out var v) ? IntegerValue(v, ChildPath(key), min, max, _diag) : null;

    public static long? IntegerValue(JsonElement v, string path, long min, long max, IJsonDiagnostics diag)
    {
        long n;
        if (v.ValueKind != JsonValueKind.Number)
        {
            diag.Error(path, $"expected an integer, got {Describe(v)}");
            return null;
        }
        if (!v.TryGetInt64(out n))
        {
            double d = v.GetDouble();
            if (d != Math.Floor(d) || double.IsInfinity(d))
            {
                diag.Error(path, $"expected an integer, got {v.GetRawText()}");
                return null;
            }
            if (d < long.MinValue || d > long.MaxValue)
            {
                diag.Error(path, RangeMessage(min, max, v.GetRawText()));
                return null;
            }
            n = (long)d;
        }
        if (n < min || n > max)
        {
            diag.Error(path, RangeMessage(min, max, n.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            return null;
        }
        return n;
    }

    private static string RangeMessage(long min, long max, string got) =>
        max == long.MaxValue ? $"must be >= {min}, got {got}" : $"must be {min}..{max}, got {got}";

    public double? Number(string key, double min, double max, bool required = false)
    {
        if (!Get(key, required, out var v)) return null;
        if (v.ValueKind != JsonValueKind.Number)
        {
            _diag.Error(ChildPath(key), $"expected a number, got {Describe(v)}");
            return null;
        }
        double d = v.GetDouble();
        if (double.IsFinite(d) && d >= min && d <= max) return d;
        _diag.Error(ChildPath(key), double.IsPositiveInfinity(max) ? $"must be >= {min}, got {v.GetRawText()}" : $"must be {min}..{max}, got {v.GetRawText()}");
        return null;
    }

    public bool? Bool(string key, bool required = false)
    {
        if (!Get(key, required, out var v)) return null;
        if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) return v.GetBoolean();
        _diag.Error(ChildPath(key), $"expected true or false, got {Describe(v)}");
        return null;
    }

    public ObjectView? Object(string key, bool required = false) =>
        Get(key, required, out var v) ? From(v, ChildPath(key), _diag) : null;

    /// <summary>The array's elements with their paths, or null (missing, or error recorded when not an array).</summary>
    public IReadOnlyList<(JsonElement Value, string Path)>? Array(string key, bool required = false)
    {
        if (!Get(key, required, out var v)) return null;
        if (v.ValueKind != JsonValueKind.Array)
        {
            _diag.Error(ChildPath(key), $"expected an array, got {Describe(v)}");
            return null;
        }
        var path = ChildPath(key);
        return v.EnumerateArray().Select((e, i) => (e, JsonPath.Index(path, i))).ToList();
    }

    /// <summary>Strings in an array (non-strings are errors and skipped), or null when missing/not an array.</summary>
    public IReadOnlyList<(string Value, string Path)>? Strings(string key, bool required = false)
    {
        var items = Array(key, required);
        if (items is null) return null;
        var list = new List<(string, string)>();
        foreach (var (e, p) in items)
        {
            if (e.ValueKind == JsonValueKind.String) list.Add((e.GetString()!, p));
            else _diag.Error(p, $"expected a string, got {Describe(e)}");
        }
        return list;
    }

    public static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string {e.GetRawText()}",
        JsonValueKind.Number => $"the number {e.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"{e.GetRawText()}",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
