namespace Switchboard.Json;

/// <summary>Where <see cref="ObjectView"/> reports a problem: a JSON path, a message, and optionally another
/// path to take line:column from (when <paramref name="path"/> itself is absent from the text).</summary>
public interface IJsonDiagnostics
{
    void Error(string path, string message, string? at = null);
}
