using System.Globalization;
using System.Text.Json;
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
    private readonly JsonElement _document;
    private readonly EvaluationOptions _options = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    private ConfigSchema(string text, JsonSchema schema, JsonElement document) => (Text, _schema, _document) = (text, schema, document);

    /// <summary>The schema as written in plugin.json.</summary>
    public string Text { get; }

    /// <summary>Compiles <paramref name="text"/>; null with the problems (paths relative to <paramref name="path"/>,
    /// the schema's own location, e.g. <c>$.nfs[0].configSchema</c>) when it is not a valid JSON Schema.</summary>
    public static ConfigSchema? Compile(string text, string path, List<ConfigSchemaProblem> problems)
    {
        JsonElement document;
        try { using (var doc = JsonDocument.Parse(text)) document = doc.RootElement.Clone(); }
        catch (JsonException e) { problems.Add(new ConfigSchemaProblem(path, $"not JSON: {e.Message}", "$schema")); return null; }

        // Check it against the meta-schema it names (2020-12 when it names none), so a typo such as
        // "type": "integr" is a load-time error, not a silently ignored keyword.
        var meta = MetaSchemaOf(document, out string? unknown);
        if (meta is null)
        {
            problems.Add(new ConfigSchemaProblem(JsonPath.Key(path, "$schema"),
                $"'{unknown}' is not a JSON Schema dialect this host knows (draft-06, draft-07, 2019-09 or 2020-12)", "$schema"));
            return null;
        }
        int before = problems.Count;
        var metaResults = meta.Evaluate(document, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (!metaResults.IsValid)
        {
            foreach (var p in Problems(metaResults, document, own: null, path))
                problems.Add(p with { Message = "not a valid JSON Schema: " + p.Message });
            if (problems.Count == before) problems.Add(new ConfigSchemaProblem(path, "not a valid JSON Schema", "$schema"));
            return null;
        }
        CheckLocalReferences(document, document, Ids(document), path, problems);
        if (problems.Count > before) return null;

        // Building resolves every other $ref: plugins get no network, so a remote reference is an error now. Each schema
        // gets its own registry: two generations of a plugin may carry the same $id.
        try
        {
            var schema = JsonSchema.FromText(text, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
            return new ConfigSchema(text, schema, document);
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
        var results = _schema.Evaluate(config, _options);
        if (results.IsValid) return [];
        var problems = Problems(results, config, _document, configPath).ToList();
        return problems.Count > 0 ? problems : [new ConfigSchemaProblem(configPath, "does not match the schema", "schema")];
    }

    private static JsonSchema? MetaSchemaOf(JsonElement schema, out string? unknown)
    {
        unknown = null;
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("$schema", out var s) || s.ValueKind != JsonValueKind.String)
            return MetaSchemas.Draft202012;
        string uri = s.GetString()!.TrimEnd('#');
        JsonSchema? meta = uri switch
        {
            "https://json-schema.org/draft/2020-12/schema" => MetaSchemas.Draft202012,
            "https://json-schema.org/draft/2019-09/schema" => MetaSchemas.Draft201909,
            "http://json-schema.org/draft-07/schema" => MetaSchemas.Draft7,
            "http://json-schema.org/draft-06/schema" => MetaSchemas.Draft6,
            _ => null,
        };
        if (meta is null) unknown = s.GetString();
        return meta;
    }

    /// <summary>Every "$id" in the schema (references to them stay inside it).</summary>
    private static HashSet<string> Ids(JsonElement node, HashSet<string>? into = null)
    {
        into ??= new HashSet<string>(StringComparer.Ordinal);
        if (node.ValueKind == JsonValueKind.Object)
            foreach (var p in node.EnumerateObject())
            {
                if (p.Name == "$id" && p.Value.ValueKind == JsonValueKind.String) into.Add(p.Value.GetString()!.Split('#', 2)[0]);
                Ids(p.Value, into);
            }
        else if (node.ValueKind == JsonValueKind.Array)
            foreach (var item in node.EnumerateArray()) Ids(item, into);
        return into;
    }

    /// <summary>Every <c>"$ref": "#/..."</c> must point into the schema and every other one at a "$id" in it (the library
    /// resolves references lazily, so a dangling or remote one would only fail when a config reaches it).</summary>
    private static void CheckLocalReferences(JsonElement node, JsonElement resource, HashSet<string> ids, string path, List<ConfigSchemaProblem> problems)
    {
        switch (node.ValueKind)
        {
            case JsonValueKind.Object:
                if (node.TryGetProperty("$id", out var id) && id.ValueKind == JsonValueKind.String) resource = node;
                foreach (var property in node.EnumerateObject())
                {
                    string child = JsonPath.Key(path, property.Name);
                    if (property.Name == "$ref" && property.Value.ValueKind == JsonValueKind.String && property.Value.GetString() is { } target)
                    {
                        if (target.StartsWith("#/", StringComparison.Ordinal)
                            && !(JsonPointer.TryParse(Uri.UnescapeDataString(target[1..]), out var pointer) && pointer.Evaluate(resource) is not null))
                            problems.Add(new ConfigSchemaProblem(child, $"'{target}' points at nothing in this schema", "$ref"));
                        else if (!target.StartsWith('#') && !ids.Contains(target.Split('#', 2)[0]))
                            problems.Add(new ConfigSchemaProblem(child, $"'{target}' is outside this schema: the host fetches no remote schemas (use \"$defs\" and \"#/$defs/...\")", "$ref"));
                    }
                    CheckLocalReferences(property.Value, resource, ids, child, problems);
                }
                break;
            case JsonValueKind.Array:
                int i = 0;
                foreach (var item in node.EnumerateArray()) CheckLocalReferences(item, resource, ids, JsonPath.Index(path, i++), problems);
                break;
        }
    }

    /// <summary>The failing keywords of a list-format result, phrased for an operator. Alternatives (anyOf/oneOf)
    /// that all fail are reported once, at the value, with what each alternative wanted; failures inside
    /// alternatives that did not all fail (and inside not/contains/if) are no problem.</summary>
    private static IEnumerable<ConfigSchemaProblem> Problems(EvaluationResults results, JsonElement instance, JsonElement? own, string basePath)
    {
        var details = results.Details is { Count: > 0 } list ? list : [results];
        var groups = new Dictionary<string, (string Path, string Keyword, bool Failed, List<string> Wants)>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var documents = new Dictionary<string, JsonElement?>(StringComparer.Ordinal);
        JsonElement? SchemaAt(Uri location) => KeywordParent(location, own, documents);

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
                                  .MaxBy(b => b.InstanceLocation.SegmentCount);
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
        if (outer.SegmentCount > inner.SegmentCount) return false;
        for (int i = 0; i < outer.SegmentCount; i++)
            if (outer[i] != inner[i]) return false;
        return true;
    }

    /// <summary>"required" names several keys: one problem per missing key, at the key's path.</summary>
    private static IEnumerable<ConfigSchemaProblem> Expand(ConfigSchemaProblem phrased, EvaluationResults d, string keyword, JsonElement instance, Func<Uri, JsonElement?> schemaAt, string basePath)
    {
        if (keyword == "required" && KeywordValue(d, keyword, schemaAt) is { ValueKind: JsonValueKind.Array } required
            && Resolve(instance, d.InstanceLocation) is { ValueKind: JsonValueKind.Object } obj)
        {
            var missing = required.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.String).Select(r => r.GetString()!)
                                  .Where(k => !obj.TryGetProperty(k, out _)).ToList();
            if (missing.Count > 0)
            {
                foreach (var k in missing) yield return new ConfigSchemaProblem(JsonPath.Key(phrased.Path, k), "is required but missing", keyword);
                yield break;
            }
        }
        yield return phrased;
    }

    private static ConfigSchemaProblem Phrase(EvaluationResults d, string keyword, string libraryMessage, JsonElement instance, Func<Uri, JsonElement?> schemaAt, string basePath)
    {
        string path = InstancePath(d.InstanceLocation, instance, basePath);
        string evaluation = d.EvaluationPath.ToString();
        if (keyword.Length == 0) // a false schema
        {
            foreach (var k in new[] { "additionalProperties", "unevaluatedProperties", "propertyNames", "items", "unevaluatedItems", "prefixItems" })
                if (evaluation.EndsWith("/" + k, StringComparison.Ordinal) || evaluation.Contains("/" + k + "/", StringComparison.Ordinal))
                    return k.EndsWith("Properties", StringComparison.Ordinal) && d.InstanceLocation.SegmentCount > 0
                        ? new ConfigSchemaProblem(path, $"unknown key '{d.InstanceLocation[d.InstanceLocation.SegmentCount - 1].ToString()}'", k)
                        : new ConfigSchemaProblem(path, "is not allowed here", k);
            return new ConfigSchemaProblem(path, "is not allowed here", "false");
        }
        var value = KeywordValue(d, keyword, schemaAt);
        string? show = value?.GetRawText();
        string message = (keyword, value?.ValueKind) switch
        {
            ("minimum", not null) => $"must be >= {show}",
            ("maximum", not null) => $"must be <= {show}",
            ("exclusiveMinimum", JsonValueKind.Number) => $"must be > {show}",
            ("exclusiveMaximum", JsonValueKind.Number) => $"must be < {show}",
            ("multipleOf", not null) => $"must be a multiple of {show}",
            ("type", not null) => $"must be {TypeList(value!.Value)}, not {Describe(Resolve(instance, d.InstanceLocation))}",
            ("enum", JsonValueKind.Array) => $"must be one of {string.Join(", ", value!.Value.EnumerateArray().Select(v => v.GetRawText()))}",
            ("const", not null) => $"must be {show}",
            ("minLength", not null) => $"must be at least {show} character(s) long",
            ("maxLength", not null) => $"must be at most {show} character(s) long",
            ("pattern", not null) => $"must match the pattern {show}",
            ("minItems", not null) => $"must have at least {show} item(s)",
            ("maxItems", not null) => $"must have at most {show} item(s)",
            ("uniqueItems", _) => "must not repeat an item",
            ("minProperties", not null) => $"must have at least {show} key(s)",
            ("maxProperties", not null) => $"must have at most {show} key(s)",
            ("format", not null) => $"must be a valid {show}",
            _ => LowerFirst(libraryMessage),
        };
        return new ConfigSchemaProblem(path, message, keyword);
    }

    private static string TypeList(JsonElement value) => value.ValueKind == JsonValueKind.Array
        ? string.Join(" or ", value.EnumerateArray().Select(t => Article(t.ToString())))
        : Article(value.ToString());

    private static string Article(string type) => type switch
    {
        "integer" => "an integer",
        "object" => "an object",
        "array" => "an array",
        "null" => "null",
        _ => "a " + type,
    };

    private static string Describe(JsonElement? v) => v?.ValueKind switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "the number " + v.Value.GetRawText(),
    };

    private static string LowerFirst(string s) => s.Length > 0 ? char.ToLower(s[0], CultureInfo.InvariantCulture) + s[1..] : s;

    /// <summary>The keyword's value in the schema, found through the result's schema location.</summary>
    private static JsonElement? KeywordValue(EvaluationResults d, string keyword, Func<Uri, JsonElement?> schemaAt) =>
        schemaAt(d.SchemaLocation) is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(keyword, out var value) ? value : null;

    /// <summary>The subschema at <paramref name="location"/>: in a meta-schema document (for errors in a schema), else in
    /// <paramref name="own"/> (the schema being evaluated; its base URI is an internal one or its own $id).</summary>
    private static JsonElement? KeywordParent(Uri location, JsonElement? own, Dictionary<string, JsonElement?> documents)
    {
        string document = location.GetLeftPart(UriPartial.Query);
        if (!documents.TryGetValue(document, out var root))
        {
            root = own;
            try
            {
                if (location.Host == "json-schema.org" && SchemaRegistry.Global.Get(new Uri(document)) is JsonSchema meta)
                    root = meta.Root.Source;
            }
            catch (Exception e) when (e is JsonSchemaException or RefResolutionException or ArgumentException or UriFormatException) { }
            documents[document] = root;
        }
        if (root is not { } r) return null;
        string fragment = location.Fragment;
        if (fragment.Length <= 1) return r;
        return JsonPointer.TryParse(Uri.UnescapeDataString(fragment[1..]), out var pointer) ? Walk(r, pointer) : null;
    }

    /// <summary>Follows <paramref name="pointer"/> from <paramref name="root"/>, stepping over segments that are not
    /// there: JsonSchema.Net 8.0.5 puts the instance's key into the schema location under "items"
    /// (<c>#/properties/rules/items/rules/properties/port</c>), so an exact walk would find nothing.</summary>
    private static JsonElement? Walk(JsonElement root, JsonPointer pointer)
    {
        var at = root;
        for (int i = 0; i < pointer.SegmentCount; i++)
        {
            string segment = pointer[i].ToString();
            if (at.ValueKind == JsonValueKind.Object && at.TryGetProperty(segment, out var child)) at = child;
            else if (at.ValueKind == JsonValueKind.Array && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out int index)
                     && index < at.GetArrayLength()) at = at[index];
        }
        return at;
    }

    private static JsonElement? Resolve(JsonElement instance, JsonPointer location) => location.Evaluate(instance);

    /// <summary>A JSON pointer into the instance as a JSONPath under <paramref name="basePath"/>
    /// (array segments become indexes, object segments keys).</summary>
    private static string InstancePath(JsonPointer location, JsonElement instance, string basePath)
    {
        string path = basePath;
        JsonElement? at = instance;
        for (int i = 0; i < location.SegmentCount; i++)
        {
            string segment = location[i].ToString();
            if (at is { ValueKind: JsonValueKind.Array } array && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            {
                path = JsonPath.Index(path, index);
                at = index < array.GetArrayLength() ? array[index] : null;
            }
            else
            {
                path = JsonPath.Key(path, segment);
                at = at is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(segment, out var child) ? child : null;
            }
        }
        return path;
    }
}
