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
    /// that all fail are reported once, at the value, with what each alternative wanted.</summary>
    private static IEnumerable<ConfigSchemaProblem> Problems(EvaluationResults results, JsonNode? instance, JsonNode? schemaNode, string basePath)
    {
        var details = results.Details.Count > 0 ? results.Details : [results];
        var byEvaluationPath = new Dictionary<string, EvaluationResults>(StringComparer.Ordinal);
        foreach (var d in details) byEvaluationPath.TryAdd(d.EvaluationPath.ToString(), d);
        var alternatives = new Dictionary<string, (EvaluationResults At, string Keyword, List<string> Wants)>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);

        foreach (var d in details)
        {
            if (d.Errors is not { Count: > 0 } errors) continue;
            string evaluation = d.EvaluationPath.ToString();
            var branch = FirstBranch(evaluation, out string? combinator);
            foreach (var (keyword, libraryMessage) in errors)
            {
                var phrased = Phrase(d, keyword, libraryMessage, instance, schemaNode, basePath);
                if (branch is not null)
                {
                    if (combinator is "not" or "contains" or "if") continue; // their own keyword reports the failure
                    if (!alternatives.TryGetValue(branch, out var alt))
                        alternatives[branch] = alt = (byEvaluationPath.GetValueOrDefault(branch) ?? d, combinator!, []);
                    string want = phrased.Path == InstancePath(alt.At.InstanceLocation, instance, basePath) ? phrased.Message : $"{phrased.Path}: {phrased.Message}";
                    if (!alt.Wants.Contains(want)) alt.Wants.Add(want);
                    continue;
                }
                foreach (var p in Expand(phrased, d, keyword, instance, schemaNode, basePath))
                    if (seen.Add(p.ToString())) yield return p;
            }
        }
        foreach (var (_, (at, keyword, wants)) in alternatives)
        {
            var p = new ConfigSchemaProblem(InstancePath(at.InstanceLocation, instance, basePath),
                $"matches none of the allowed forms: {string.Join(" | ", wants)}", keyword);
            if (seen.Add(p.ToString())) yield return p;
        }
    }

    /// <summary>The evaluation path up to the first anyOf/oneOf/not/contains/if branch, or null outside any.</summary>
    private static string? FirstBranch(string evaluationPath, out string? combinator)
    {
        combinator = null;
        var segments = evaluationPath.Split('/');
        for (int i = 1; i < segments.Length; i++)
            if (segments[i] is "anyOf" or "oneOf" or "not" or "contains" or "if")
            {
                combinator = segments[i];
                return string.Join('/', segments.Take(i));
            }
        return null;
    }

    /// <summary>"required" names several keys: one problem per missing key, at the key's path.</summary>
    private static IEnumerable<ConfigSchemaProblem> Expand(ConfigSchemaProblem phrased, EvaluationResults d, string keyword, JsonNode? instance, JsonNode? schemaNode, string basePath)
    {
        if (keyword == "required" && KeywordValue(d, keyword, schemaNode) is JsonArray required
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

    private static ConfigSchemaProblem Phrase(EvaluationResults d, string keyword, string libraryMessage, JsonNode? instance, JsonNode? schemaNode, string basePath)
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
        var value = KeywordValue(d, keyword, schemaNode);
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

    /// <summary>The keyword's value in the schema document, found through the result's schema location.</summary>
    private static JsonNode? KeywordValue(EvaluationResults d, string keyword, JsonNode? schemaNode)
    {
        if (schemaNode is null) return null;
        string fragment = d.SchemaLocation.Fragment;
        JsonNode? at = schemaNode;
        if (fragment.Length > 1)
        {
            try { if (!JsonPointer.Parse(fragment).TryEvaluate(schemaNode, out at)) return null; }
            catch (Exception e) when (e is PointerParseException or FormatException) { return null; }
        }
        return at is JsonObject o && o.TryGetPropertyValue(keyword, out var value) ? value : null;
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
