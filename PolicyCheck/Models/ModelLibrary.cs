using System.Reflection;
using Switchboard.PolicyCheck.Language;

namespace Switchboard.PolicyCheck.Models;

/// <summary>The shipped model library (Models/*.vmn, embedded in the assembly), parsed and checked
/// together once on first use. See Models/README.md for what each model means.</summary>
internal static class ModelLibrary
{
    private const string ResourcePrefix = "Switchboard.PolicyCheck.Models.";
    private static readonly Lazy<ParseResult> Library = new(LoadAll);

    /// <summary>Every library declaration, checked together (pipelines refer to models in other files).</summary>
    public static ParseResult All => Library.Value;

    /// <summary>Names of the library's models and pipelines.</summary>
    public static IReadOnlyList<string> Names =>
        All.Models.Select(m => m.Name).Concat(All.Pipelines.Select(p => p.Name)).ToList();

    /// <summary>The model named <paramref name="name"/> (case-insensitive, e.g. "LearningFirewall").</summary>
    /// <exception cref="ArgumentException">No such model; the message lists the available ones.</exception>
    public static ModelDecl Load(string name) =>
        TryLoad(name, out var model) ? model
            : throw new ArgumentException($"no model '{name}' in the library; available: {string.Join(", ", All.Models.Select(m => m.Name))}", nameof(name));

    public static bool TryLoad(string name, out ModelDecl model)
    {
        model = All.Models.FirstOrDefault(m => m.Name.Equals(name, StringComparison.OrdinalIgnoreCase))!;
        return model != null;
    }

    /// <summary>The pipeline named <paramref name="name"/> (case-insensitive, e.g. "Gateway").</summary>
    /// <exception cref="ArgumentException">No such pipeline.</exception>
    public static PipelineDecl LoadPipeline(string name) =>
        All.Pipelines.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"no pipeline '{name}' in the library; available: {string.Join(", ", All.Pipelines.Select(p => p.Name))}", nameof(name));

    /// <summary>The library's source files as (text, file name), e.g. to check a plugin's model together with them.</summary>
    public static IReadOnlyList<(string Text, string FileName)> Sources()
    {
        var assembly = typeof(ModelLibrary).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".vmn", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => (Read(assembly, n), "Models/" + n[ResourcePrefix.Length..]))
            .ToList();
    }

    /// <summary>Parses a model file (e.g. a plugin's) together with the library, so its pipelines
    /// may use library models; the result holds only that file's declarations.</summary>
    public static ParseResult ParseWithLibrary(string text, string fileName)
    {
        var result = ModelParser.ParseAll(Sources().Append((text, fileName)));
        bool Own(SourceSpan s) => s.File == fileName;
        return new ParseResult(
            result.Models.Where(m => Own(m.Span)).ToList(),
            result.Pipelines.Where(p => Own(p.Span)).ToList(),
            result.Records.Where(r => Own(r.Span)).ToList(),
            result.Errors);
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static ParseResult LoadAll()
    {
        var result = ModelParser.ParseAll(Sources());
        // The library is part of the build; an error here is a bug in a shipped .vmn file.
        if (!result.Succeeded)
            throw new InvalidOperationException("the model library does not check:\n" + string.Join("\n", result.Errors));
        return result;
    }
}
