using Switchboard.PolicyCheck.Language.Syntax;

namespace Switchboard.PolicyCheck.Language;

/// <summary>Result of parsing and checking model text. Only use the declarations when
/// <see cref="Errors"/> is empty: with errors they are best-effort and may hold <see cref="ErrorExpr"/>.</summary>
internal sealed record ParseResult(
    IReadOnlyList<ModelDecl> Models,
    IReadOnlyList<PipelineDecl> Pipelines,
    IReadOnlyList<RecordDecl> Records,
    IReadOnlyList<Diagnostic> Errors)
{
    public bool Succeeded => Errors.Count == 0;

    public ModelDecl? FindModel(string name) => Models.FirstOrDefault(m => m.Name == name);
    public PipelineDecl? FindPipeline(string name) => Pipelines.FirstOrDefault(p => p.Name == name);
}

/// <summary>Entry point of the model language: text in, checked models or located errors out. Never throws on bad input.</summary>
internal static class ModelParser
{
    /// <summary>Parses and checks one file.</summary>
    public static ParseResult Parse(string text, string fileName) => ParseAll([(text, fileName)]);

    /// <summary>Parses several files and checks them together, so a pipeline in one file can use
    /// models from another (the model library is loaded this way).</summary>
    public static ParseResult ParseAll(IEnumerable<(string Text, string FileName)> files)
    {
        var diagnostics = new DiagnosticBag();
        var decls = new List<DeclSyntax>();
        foreach (var (text, file) in files)
        {
            int errorsBefore = diagnostics.Count;
            var fileDecls = Parser.ParseFile(text, file, diagnostics);
            if (fileDecls.Count == 0 && diagnostics.Count == errorsBefore)
                diagnostics.Report(new SourceSpan(file, 1, 1, 0), "the file declares no class, case class or pipeline");
            decls.AddRange(fileDecls);
        }
        var (models, pipelines, records) = Checker.Check(decls, diagnostics);
        var errors = diagnostics.Items
            .OrderBy(d => d.Span.File, StringComparer.Ordinal)
            .ThenBy(d => d.Span.Line)
            .ThenBy(d => d.Span.Column)
            .ToList();
        return new ParseResult(models, pipelines, records, errors);
    }
}
