namespace Switchboard.PolicyCheck.Network;

/// <summary>One problem in a network file: where (JSON path, and line:column when the text gives one) and what.</summary>
public sealed record NetworkError(string JsonPath, string Message, int? Line, int? Column)
{
    /// <summary>The file name shown to the operator.</summary>
    public string? Source { get; init; }

    /// <summary><c>net.json:12:5: $.routing.tor1[0].nextHop: unknown node 'fw9'</c></summary>
    public override string ToString()
    {
        var where = Source ?? "";
        if (Line is { } line)
            where += Column is { } column ? $":{line}:{column}" : $":{line}";
        return where.Length == 0 ? $"{JsonPath}: {Message}" : $"{where}: {JsonPath}: {Message}";
    }
}

/// <summary>The outcome of loading a network file: the description when valid, else every error found.</summary>
public sealed record NetworkLoadResult(NetworkDescription? Network, IReadOnlyList<NetworkError> Errors)
{
    public bool Ok => Network is not null && Errors.Count == 0;

    /// <summary>All errors, one per line, in file order.</summary>
    public string FormatErrors() => string.Join(Environment.NewLine, Errors);
}
