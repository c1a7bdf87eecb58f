using Switchboard.PolicyCheck.Language;
using Switchboard.PolicyCheck.Models;

namespace Switchboard.PolicyCheck.Verification;

/// <summary>
/// Finds the model an NF instance names: the library's models and pipelines (names case-insensitive, and
/// kebab-case accepted: <c>learning-firewall</c> is <c>LearningFirewall</c>), plus models added in code (e.g. a
/// plugin's own <c>.vmn</c>), which take precedence.
/// </summary>
public sealed class ModelCatalog
{
    private readonly Dictionary<string, object> _extra = new(StringComparer.Ordinal);

    /// <summary>The library alone.</summary>
    public static ModelCatalog Library { get; } = new();

    /// <summary>Adds every model and pipeline of a model file (checked together with the library, so its
    /// pipelines may use library models). Throws <see cref="ArgumentException"/> with located errors.</summary>
    public ModelCatalog WithModelFile(string text, string fileName)
    {
        var result = ModelLibrary.ParseWithLibrary(text, fileName);
        if (!result.Succeeded) throw new ArgumentException($"{fileName} does not check:\n{string.Join("\n", result.Errors)}", nameof(text));
        return With(result);
    }

    /// <summary>Adds the models and pipelines of a model file already parsed and checked with the library.</summary>
    internal ModelCatalog With(ParseResult result)
    {
        var copy = new ModelCatalog();
        foreach (var kv in _extra) copy._extra[kv.Key] = kv.Value;
        foreach (var m in result.Models) copy._extra[Key(m.Name)] = m;
        foreach (var p in result.Pipelines) copy._extra[Key(p.Name)] = p;
        return copy;
    }

    /// <summary>The names a network file may use.</summary>
    public IReadOnlyList<string> Names =>
        ModelLibrary.Names.Concat(_extra.Values.Select(v => v is ModelDecl m ? m.Name : ((PipelineDecl)v).Name)).Distinct().ToList();

    public bool Contains(string name) => Find(name) is not null;

    internal static string Key(string name) => name.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();

    /// <summary>A <see cref="ModelDecl"/> or <see cref="PipelineDecl"/>, or null.</summary>
    internal object? Find(string name)
    {
        var key = Key(name);
        if (_extra.TryGetValue(key, out var extra)) return extra;
        var lib = ModelLibrary.All;
        return (object?)lib.Models.FirstOrDefault(m => Key(m.Name) == key) ?? lib.Pipelines.FirstOrDefault(p => Key(p.Name) == key);
    }

    /// <summary>Flow-parallel / origin-agnostic classification of a named model (4.3.2).</summary>
    internal ModelClassification? Classify(string name) => Find(name) switch
    {
        ModelDecl m => ModelAnalysis.Classify(m),
        PipelineDecl p => ModelAnalysis.Classify(p),
        _ => null,
    };
}
