using System.Text.Json;

namespace Switchboard.Sdk;

/// <summary>
/// An NF instance's configuration object, read with typed getters that fail with the JSON path of the
/// offending value (so operators see <c>$.nfs.edge.config.ttl: expected an integer</c>).
/// </summary>
public sealed class NfConfig
{
    private readonly JsonElement _root;
    private readonly string _path;

    public NfConfig(JsonElement root, string path)
    {
        _root = root;
        _path = path;
    }

    public static NfConfig Empty(string path) => new(JsonDocument.Parse("{}").RootElement.Clone(), path);

    public string Path => _path;

    public bool Has(string key) => _root.ValueKind == JsonValueKind.Object && _root.TryGetProperty(key, out _);

    public IEnumerable<string> Keys => _root.ValueKind == JsonValueKind.Object ? _root.EnumerateObject().Select(p => p.Name) : [];

    public long GetInt(string key, long? fallback = null, long min = long.MinValue, long max = long.MaxValue)
    {
        if (!TryGet(key, out var v)) return fallback ?? throw Missing(key);
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out var n)) throw Bad(key, "expected an integer");
        if (n < min || n > max) throw Bad(key, $"{n} is outside {min}..{max}");
        return n;
    }

    public double GetNumber(string key, double? fallback = null)
    {
        if (!TryGet(key, out var v)) return fallback ?? throw Missing(key);
        if (v.ValueKind != JsonValueKind.Number) throw Bad(key, "expected a number");
        return v.GetDouble();
    }

    public string GetString(string key, string? fallback = null)
    {
        if (!TryGet(key, out var v)) return fallback ?? throw Missing(key);
        if (v.ValueKind != JsonValueKind.String) throw Bad(key, "expected a string");
        return v.GetString()!;
    }

    public bool GetBool(string key, bool? fallback = null)
    {
        if (!TryGet(key, out var v)) return fallback ?? throw Missing(key);
        if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) throw Bad(key, "expected true or false");
        return v.GetBoolean();
    }

    public IReadOnlyList<string> GetStrings(string key)
    {
        if (!TryGet(key, out var v)) return [];
        if (v.ValueKind != JsonValueKind.Array) throw Bad(key, "expected an array of strings");
        var list = new List<string>();
        int i = 0;
        foreach (var e in v.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.String) throw new ConfigException($"{_path}.{key}[{i}]", "expected a string");
            list.Add(e.GetString()!);
            i++;
        }
        return list;
    }

    /// <summary>An array of objects (e.g. a route list), each with its JSON path (<c>key[i]</c>); empty when absent.</summary>
    public IReadOnlyList<NfConfig> GetObjects(string key)
    {
        if (!TryGet(key, out var v)) return [];
        if (v.ValueKind != JsonValueKind.Array) throw Bad(key, "expected an array of objects");
        var list = new List<NfConfig>();
        int i = 0;
        foreach (var e in v.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Object) throw new ConfigException($"{_path}.{key}[{i}]", "expected an object");
            list.Add(new NfConfig(e, $"{_path}.{key}[{i}]"));
            i++;
        }
        return list;
    }

    /// <summary>A nested object.</summary>
    public NfConfig Section(string key) =>
        TryGet(key, out var v) ? v.ValueKind == JsonValueKind.Object ? new NfConfig(v, $"{_path}.{key}") : throw Bad(key, "expected an object")
                               : Empty($"{_path}.{key}");

    /// <summary>Fail unless every key is one of <paramref name="known"/> (unknown keys are usually typos).</summary>
    public void RejectUnknownKeys(params string[] known)
    {
        foreach (var k in Keys)
            if (Array.IndexOf(known, k) < 0)
                throw new ConfigException($"{_path}.{k}", $"unknown key; expected one of: {string.Join(", ", known)}");
    }

    private bool TryGet(string key, out JsonElement value)
    {
        value = default;
        return _root.ValueKind == JsonValueKind.Object && _root.TryGetProperty(key, out value);
    }

    private ConfigException Missing(string key) => new($"{_path}.{key}", "required but missing");
    private ConfigException Bad(string key, string why) => new($"{_path}.{key}", why);
}

/// <summary>A configuration error at a JSON path.</summary>
public sealed class ConfigException(string path, string reason) : Exception($"{path}: {reason}")
{
    public string JsonPath { get; } = path;
    public string Reason { get; } = reason;
}
