namespace Switchboard.PolicyCheck.Network.Json;

/// <summary>Collects errors (validation goes on after each one) and attaches line:column from the source map.</summary>
internal sealed class Diagnostics(JsonSourceMap map) : IJsonDiagnostics
{
    private readonly List<NetworkError> _errors = [];

    public IReadOnlyList<NetworkError> Errors => _errors;
    public int Count => _errors.Count;

    /// <summary>Records <paramref name="message"/> for <paramref name="path"/>, positioned at <paramref name="at"/>
    /// (default: the path itself, or its nearest enclosing element when it is absent from the text).</summary>
    public void Error(string path, string message, string? at = null)
    {
        var position = map.Find(at ?? path);
        _errors.Add(new NetworkError(path, message, position?.Line, position?.Column));
    }

    public void AddRange(IEnumerable<NetworkError> errors) => _errors.AddRange(errors);
}
