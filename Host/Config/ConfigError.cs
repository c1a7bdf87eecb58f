namespace Switchboard.Host.Config;

/// <summary>
/// One problem in a deployment file: where (JSON path, and line:column when the text gives one) and what.
/// <see cref="Source"/> is the file name shown to the operator.
/// </summary>
internal sealed record ConfigError(string JsonPath, string Message, int? Line, int? Column)
{
    public string? Source { get; init; }

    /// <summary><c>plugins.json:12:5: $.ports.gen0.flows: must be 1..1000000, got 0</c></summary>
    public override string ToString()
    {
        var where = Source ?? "";
        if (Line is { } line)
            where += Column is { } column ? $":{line}:{column}" : $":{line}";
        return where.Length == 0 ? $"{JsonPath}: {Message}" : $"{where}: {JsonPath}: {Message}";
    }
}

/// <summary>The outcome of loading a deployment: the records when valid, else every error found.</summary>
internal sealed record LoadResult(Deployment? Deployment, IReadOnlyList<ConfigError> Errors)
{
    public bool Ok => Deployment is not null && Errors.Count == 0;

    /// <summary>All errors, one per line, in file order.</summary>
    public string FormatErrors() => string.Join(Environment.NewLine, Errors);
}
