namespace Switchboard.PolicyCheck.Language;

/// <summary>A place in a model file: 1-based line and column of the first character, and its length.</summary>
internal readonly record struct SourceSpan(string File, int Line, int Column, int Length)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>A located error in a model file. <see cref="ToString"/> gives <c>file:line:column: error: message</c>.</summary>
internal sealed record Diagnostic(SourceSpan Span, string Message)
{
    public override string ToString() => $"{Span}: error: {Message}";
}

/// <summary>Collects diagnostics; the parser and checker never throw on bad input, they report here.</summary>
internal sealed class DiagnosticBag
{
    /// <summary>Beyond this many errors the input is garbage; one more diagnostic says so and the rest are dropped
    /// (keeps the cost of a huge bad file bounded).</summary>
    public const int Limit = 100;

    private readonly List<Diagnostic> items = [];

    public IReadOnlyList<Diagnostic> Items => items;
    public int Count => items.Count;

    public void Report(SourceSpan span, string message)
    {
        if (items.Count > Limit) return;
        if (items.Count == Limit)
        {
            items.Add(new Diagnostic(span, $"too many errors (more than {Limit}); stopping here"));
            return;
        }
        // The same error at the same place (e.g. from a recovery path) is reported once.
        foreach (var d in items)
            if (d.Span == span && d.Message == message) return;
        items.Add(new Diagnostic(span, message));
    }
}
