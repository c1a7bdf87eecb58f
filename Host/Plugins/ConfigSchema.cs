using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Pointer;
using Json.Schema;

namespace Switchboard.Host.Plugins;

/// <summary>One problem a config schema found: where (a JSONPath in the caller's terms, e.g.
/// <c>$.nfs.acct.config.limit</c>), what, and which schema keyword said so.</summary>
public sealed record ConfigSchemaProblem(string Path, string Message, string Keyword)
{
    public override string ToString() => $"{Path}: {Message} (schema: {Keyword})";
}

/// <summary>
/// A plugin NF's <c>configSchema</c>, checked against its JSON Schema meta-schema and compiled once when the
/// package is opened; <see cref="Validate"/> then checks an instance's config before the NF is built.
/// Not on the packet path (start and control-plane changes only).
/// </summary>
public sealed class ConfigSchema
{
    private readonly JsonSchema _schema;
    private readonly JsonNode? _node;
    private readonly EvaluationOptions _options;
    private readonly Lock _lock = new(); // the options' schema registry is not thread-safe

    private ConfigSchema(string text, JsonSchema schema, JsonNode? node, EvaluationOptions options) =>
        (Text, _schema, _node, _options) = (text, schema, node, options);

    /// <summary>The schema as written in plugin.json.</summary>
    public string Text { get; }

    /// <summary>Compiles <paramref name="text"/>; null with the problems (paths relative to <paramref name="path"/>,
    /// the schema's own location, e.g. <c>$.nfs[0].configSchema</c>) when it is not a valid JSON Schema.</summary>
    public static ConfigSchema? Compile(string text, string path, List<ConfigSchemaProblem> problems)
    {
        JsonNode? node;
        try { node = JsonNode.Parse(text); }
        catch (JsonException e) { problems.Add(new ConfigSchemaProblem(path, $"not JSON: {e.Message}", "$schema")); return null; }

        // Check it against the meta-schema it names (2020-12 when it names none), so a typo such as
        // "type": "integr" is a load-time error, not a silently ignored keyword.
        var meta = MetaSchemaOf(node, out string? unknown);
        if (meta is null)
        {
            problems.Add(new ConfigSchemaProblem(JsonPath.Key(path, "$schema"),
                $"'{unknown}' is not a JSON Schema dialect this host knows (draft-06, draft-07, 2019-09 or 2020-12)", "$schema"));
            return null;
        }
        int before = problems.Count;
        var metaResults = meta.Evaluate(node, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (!metaResults.IsValid)
        {
            foreach (var p in Problems(metaResults, node, schemaNode: null, path))
                problems.Add(p with { Message = "not a valid JSON Schema: " + p.Message });
            if (problems.Count == before) problems.Add(new ConfigSchemaProblem(path, "not a valid JSON Schema", "$schema"));
            return null;
        }

        // Building and a trial run resolve every $ref: plugins get no network, so a remote reference is an error now.
        try
        {
            var schema = JsonSchema.FromText(text);
            var options = new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true };
            schema.Evaluate(new JsonObject(), options);
            return new ConfigSchema(text, schema, node, options);
        }
        catch (Exception e) when (e is JsonException or JsonSchemaException or RefResolutionException or ArgumentException or InvalidOperationException or UriFormatException)
        {
            problems.Add(new ConfigSchemaProblem(path, $"cannot be compiled: {e.Message}", "$ref"));
            return null;
        }
    }

    /// <summary>Every problem with <paramref name="config"/>, each at its path under <paramref name="configPath"/>
    /// (e.g. <c>$.nfs.acct.config</c>); empty when the schema accepts it.</summary>
    public IReadOnlyList<ConfigSchemaProblem> Validate(JsonElement config, string configPath)
    {
        var instance = JsonSerializer.SerializeToNode(config);
        EvaluationResults results;
        lock (_lock) results = _schema.Evaluate(instance, _options);
        if (results.IsValid) return [];
        var problems = Problems(results, instance, _node, configPath).ToList();
        return problems.Count > 0 ? problems : [new ConfigSchemaProblem(configPath, "does not match the schema", "schema")];
    }

    private static JsonSchema? MetaSchemaOf(JsonNode? schema, out string? unknown)
    {
        unknown = null;
        if (schema is not JsonObject o || !o.TryGetPropertyValue("$schema", out var s) || s?.GetValueKind() != JsonValueKind.String)
            return MetaSchemas.Draft202012;
        string uri = s.GetValue<string>().TrimEnd('#');
        JsonSchema? meta = uri switch
        {
            "https://json-schema.org/draft/2020-12/schema" => MetaSchemas.Draft202012,
            "https://json-schema.org/draft/2019-09/schema" => MetaSchemas.Draft201909,
            "http://json-schema.org/draft-07/schema" => MetaSchemas.Draft7,
            "http://json-schema.org/draft-06/schema" => MetaSchemas.Draft6,
            _ => null,
        };
        if (meta is null) unknown = s.GetValue<string>();
        return meta;
    }

    /// <summary>The failing keywords of a list-format result, phrased for an operator. Alternatives (anyOf/oneOf)
    /// that all fail are reported once, at the value, with what each alternative wanted; failures inside
    /// alternatives that did not all fail (and inside not/contains/if) are no problem.</summary>
    private static IEnumerable<ConfigSchemaProblem> Problems(EvaluationResults results, JsonNode? instance, JsonNode? schemaNode, string basePath)
    {
        var details = results.Details.Count > 0 ? results.Details : [results];
        var groups = new Dictionary<string, (string Path, string Keyword, bool Failed, List<string> Wants)>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var documents = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        JsonNode? SchemaAt(Uri location) => KeywordParent(location, schemaNode, documents);

        foreach (var d in details)
        {
            if (d.Errors is not { Count: > 0 } errors) continue;
            string evaluation = d.EvaluationPath.ToString();
            string? combinator = FirstCombinator(evaluation, out string? combinatorPath);
            foreach (var (keyword, libraryMessage) in errors)
            {
                var phrased = Phrase(d, keyword, libraryMessage, instance, SchemaAt, basePath);
                if (combinator is null)
                {
                    foreach (var p in Expand(phrased, d, keyword, instance, SchemaAt, basePath))
                        if (seen.Add(p.ToString())) yield return p;
                    continue;
                }
                if (combinator is "not" or "contains" or "if") continue; // their own keyword reports the failure
                // The alternatives apply to the value where the branch starts: the longest instance location among
                // the branch roots that encloses this error's.
                var root = details.Where(b => IsBranchOf(b.EvaluationPath.ToString(), combinatorPath!) && Encloses(b.InstanceLocation, d.InstanceLocation))
                                  .MaxBy(b => b.InstanceLocation.Count);
                var at = root?.InstanceLocation ?? d.InstanceLocation;
                string key = combinatorPath + "@" + at;
                if (!groups.TryGetValue(key, out var group))
                {
                    var branches = details.Where(b => IsBranchOf(b.EvaluationPath.ToString(), combinatorPath!) && b.InstanceLocation.ToString() == at.ToString()).ToList();
                    groups[key] = group = (InstancePath(at, instance, basePath), combinator, branches.Count > 0 && branches.All(b => !b.IsValid), []);
                }
                string want = phrased.Path == group.Path ? phrased.Message : $"{phrased.Path}: {phrased.Message}";
                if (!group.Wants.Contains(want)) group.Wants.Add(want);
            }
        }
        foreach (var (_, (path, keyword, failed, wants)) in groups)
        {
            if (!failed) continue;
            var p = new ConfigSchemaProblem(path, $"matches none of the allowed forms: {string.Join(" | ", wants)}", keyword);
            if (seen.Add(p.ToString())) yield return p;
        }
    }

    /// <summary>The first anyOf/oneOf/not/contains/if in an evaluation path, and the path up to and including it.</summary>
    private static string? FirstCombinator(string evaluationPath, out string? combinatorPath)
    {
        combinatorPath = null;
        var segments = evaluationPath.Split('/');
        for (int i = 1; i < segments.Length; i++)
            if (segments[i] is "anyOf" or "oneOf" or "not" or "contains" or "if")
            {
                combinatorPath = string.Join('/', segments.Take(i + 1));
                return segments[i];
            }
        return null;
    }

    /// <summary>Whether <paramref name="evaluationPath"/> is one alternative's root: <c>{combinator}/N</c>.</summary>
    private static bool IsBranchOf(string evaluationPath, string combinatorPath) =>
        evaluationPath.Length > combinatorPath.Length + 1 && evaluationPath.StartsWith(combinatorPath + "/", StringComparison.Ordinal)
        && evaluationPath.AsSpan(combinatorPath.Length + 1).IndexOfAnyExceptInRange('0', '9') < 0;

    private static bool Encloses(JsonPointer outer, JsonPointer inner)
    {
        if (outer.Count > inner.Count) return false;
        for (int i = 0; i < outer.Count; i++)
            if (outer[i] != inner[i]) return false;
        return true;
    }

    /// <summary>"required" names several keys: one problem per missing key, at the key's path.</summary>
    private static IEnumerable<ConfigSchemaProblem> Expand(ConfigSchemaProblem phrased, EvaluationResults d, string keyword, JsonNode? instance, Func<Uri, JsonNode?> schemaAt, string basePath)
    {
        if (keyword == "required" && KeywordValue(d, keyword, schemaAt) is JsonArray required
            && Resolve(instance, d.InstanceLocation) is JsonObject obj)
        {
            var missing = required.Select(r => r?.GetValueKind() == JsonValueKind.String ? r.GetValue<string>() : null)
                                  .Where(k => k is not null && !obj.ContainsKey(k)).ToList();
            if (missing.Count > 0)
            {
                foreach (var k in missing) yield return new ConfigSchemaProblem(JsonPath.Key(phrased.Path, k!), "is required but missing", keyword);
                yield break;
            }
        }
        yield return phrased;
    }

    private static ConfigSchemaProblem Phrase(EvaluationResults d, string keyword, string libraryMessage, JsonNode? instance, Func<Uri, JsonNode?> schemaAt, string basePath)
    {
        string path = InstancePath(d.InstanceLocation, instance, basePath);
        string evaluation = d.EvaluationPath.ToString();
        if (keyword.Length == 0) // a false schema
        {
            foreach (var k in new[] { "additionalProperties", "unevaluatedProperties", "propertyNames", "items", "unevaluatedItems", "prefixItems" })
                if (evaluation.EndsWith("/" + k, StringComparison.Ordinal) || evaluation.Contains("/" + k + "/", StringComparison.Ordinal))
                    return k.EndsWith("Properties", StringComparison.Ordinal) && d.InstanceLocation.Count > 0
                        ? new ConfigSchemaProblem(path, $"unknown key '{d.InstanceLocation[^1]}'", k)
                        : new ConfigSchemaProblem(path, "is not allowed here", k);
            return new ConfigSchemaProblem(path, "is not allowed here", "false");
        }
        var value = KeywordValue(d, keyword, schemaAt);
        string? Show() => value?.ToJsonString();
        var actual = Resolve(instance, d.InstanceLocation);
        string message = (keyword, value) switch
        {
            ("minimum", not null) => $"must be >= {Show()}",
            ("maximum", not null) => $"must be <= {Show()}",
            ("exclusiveMinimum", not null) => $"must be > {Show()}",
            ("exclusiveMaximum", not null) => $"must be < {Show()}",
            ("multipleOf", not null) => $"must be a multiple of {Show()}",
            ("type", not null) => $"must be {TypeList(value)}, not {Describe(actual)}",
            ("enum", JsonArray values) => $"must be one of {string.Join(", ", values.Select(v => v?.ToJsonString() ?? "null"))}",
            ("const", _) => $"must be {Show() ?? "null"}",
            ("minLength", not null) => $"must be at least {Show()} character(s) long",
            ("maxLength", not null) => $"must be at most {Show()} character(s) long",
            ("pattern", not null) => $"must match the pattern {Show()}",
            ("minItems", not null) => $"must have at least {Show()} item(s)",
            ("maxItems", not null) => $"must have at most {Show()} item(s)",
            ("uniqueItems", _) => "must not repeat an item",
            ("minProperties", not null) => $"must have at least {Show()} key(s)",
            ("maxProperties", not null) => $"must have at most {Show()} key(s)",
            ("format", not null) => $"must be a valid {Show()}",
            _ => LowerFirst(libraryMessage),
        };
        return new ConfigSchemaProblem(path, message, keyword);
    }

    private static string TypeList(JsonNode value) => value switch
    {
        JsonArray a => string.Join(" or ", a.Select(t => Article(t?.ToString() ?? "null"))),
        _ => Article(value.ToString()),
    };

    private static string Article(string type) => type switch
    {
        "integer" => "an integer",
        "object" => "an object",
        "array" => "an array",
        "null" => "null",
        _ => "a " + type,
    };

    private static string Describe(JsonNode? v) => v?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "the number " + v.ToJsonString(),
    };

    private static string LowerFirst(string s) => s.Length > 0 ? char.ToLower(s[0], CultureInfo.InvariantCulture) + s[1..] : s;

    /// <summary>The keyword's value in the schema, found through the result's schema location.</summary>
    private static JsonNode? KeywordValue(EvaluationResults d, string keyword, Func<Uri, JsonNode?> schemaAt) =>
        schemaAt(d.SchemaLocation) is JsonObject o && o.TryGetPropertyValue(keyword, out var value) ? value : null;

    /// <summary>The subschema at <paramref name="location"/>: in a meta-schema document (for errors in a schema), else in
    /// <paramref name="own"/> (the schema being evaluated; its base URI is an internal one or its own $id).</summary>
    private static JsonNode? KeywordParent(Uri location, JsonNode? own, Dictionary<string, JsonNode?> documents)
    {
        string document = location.GetLeftPart(UriPartial.Query);
        if (!documents.TryGetValue(document, out var root))
        {
            root = own;
            try
            {
                if (location.Host == "json-schema.org" && SchemaRegistry.Global.Get(new Uri(document)) is JsonSchema meta)
                    root = JsonSerializer.SerializeToNode(meta);
            }
            catch (Exception e) when (e is JsonSchemaException or RefResolutionException or ArgumentException or UriFormatException) { }
            documents[document] = root;
        }
        if (root is null) return null;
        string fragment = location.Fragment;
        if (fragment.Length <= 1) return root;
        try { return JsonPointer.Parse(fragment).TryEvaluate(root, out var at) ? at : null; }
        catch (Exception e) when (e is PointerParseException or FormatException) { return null; }
    }

    private static JsonNode? Resolve(JsonNode? instance, JsonPointer location) =>
        location.TryEvaluate(instance, out var v) ? v : null;

    /// <summary>A JSON pointer into the instance as a JSONPath under <paramref name="basePath"/>
    /// (array segments become indexes, object segments keys).</summary>
    private static string InstancePath(JsonPointer location, JsonNode? instance, string basePath)
    {
        string path = basePath;
        JsonNode? at = instance;
        for (int i = 0; i < location.Count; i++)
        {
            string segment = location[i];
            if (at is JsonArray array && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            {
                path = JsonPath.Index(path, index);
                at = index < array.Count ? array[index] : null;
            }
            else
            {
                path = JsonPath.Key(path, segment);
                at = at is JsonObject o && o.TryGetPropertyValue(segment, out var child) ? child : null;
            }
        }
        return path;
    }
}
