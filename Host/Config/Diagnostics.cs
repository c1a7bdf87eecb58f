namespace Switchboard.Host.Config;

/// <summary>Collects errors (validation goes on after each one) and attaches line:column from the source map.</summary>
internal sealed class Diagnostics(JsonSourceMap map) : IJsonDiagnostics
{
    private readonly List<ConfigError> _errors = [];

    public IReadOnlyList<ConfigError> Errors => _errors;
    public int Count => _errors.Count;

    /// <summary>Records <paramref name="message"/> for <paramref name="path"/>, positioned at <paramref name="at"/>
    /// (default: the path itself, or its nearest enclosing element when it is absent from the text).</summary>
    public void Error(string path, string message, string? at = null)
    {
        var position = map.Find(at ?? path);
        _errors.Add(new ConfigError(path, message, position?.Line, position?.Column));
    }

    public void AddRange(IEnumerable<ConfigError> errors) => _errors.AddRange(errors);
}
