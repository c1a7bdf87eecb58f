namespace Switchboard.Host.Verification;

/// <summary>
/// One reason a plugin was refused. Type, method and IL offset are null when the rule is about the
/// assembly or a type as a whole. The message says what was found and what to do instead.
/// </summary>
public sealed record Violation(string Assembly, string? Type, string? Method, int? IlOffset, string Rule, string Message)
{
    public override string ToString()
    {
        var where = Assembly;
        if (Type != null) where += $" {Type}";
        if (Method != null) where += $"::{Method}";
        if (IlOffset is int off) where += $" IL_{off:x4}";
        return $"{where}: [{Rule}] {Message}";
    }
}

/// <summary>The verdict on one assembly: it may be loaded only when <see cref="Ok"/>.</summary>
public sealed class VerificationResult(string assembly, IReadOnlyList<Violation> violations, TimeSpan elapsed, int methodsChecked)
{
    /// <summary>The assembly's simple name (or "?" when the image could not be read).</summary>
    public string Assembly { get; } = assembly;
    public IReadOnlyList<Violation> Violations { get; } = violations;
    public bool Ok => Violations.Count == 0;
    public TimeSpan Elapsed { get; } = elapsed;
    public int MethodsChecked { get; } = methodsChecked;

    /// <summary>Whether some violation has this rule id (tests and tools).</summary>
    public bool Has(string rule) => Violations.Any(v => v.Rule == rule);
}
