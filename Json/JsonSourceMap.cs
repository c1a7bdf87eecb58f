using System.Text.Json;
using System.Text.RegularExpressions;

namespace Switchboard.Json;

/// <summary>
/// Line:column of every key and array element in a JSON text. JsonDocument keeps no positions, so one
/// Utf8JsonReader pass records them; the same pass reports duplicate keys (anywhere, NF configs included)
/// and syntax errors with the reader's position.
/// </summary>
public sealed partial class JsonSourceMap
{
    private readonly Dictionary<string, (int Line, int Column)> _positions = new(StringComparer.Ordinal);
    private readonly byte[] _utf8;
    private readonly int[] _lineStarts;
    // The last position computed: tokens arrive in order, so the next column continues counting from here
    // (counting from the line start each time is quadratic on long lines, e.g. minified files).
    private int _lastLine = -1, _lastOffset, _lastChars;

    private JsonSourceMap(byte[] utf8)
    {
        _utf8 = utf8;
        var starts = new List<int> { 0 };
        for (int i = 0; i < utf8.Length; i++)
            if (utf8[i] == (byte)'\n') starts.Add(i + 1);
        _lineStarts = [.. starts];
    }

    /// <summary>The position of <paramref name="path"/>, or of its nearest enclosing path that has one.</summary>
    public (int Line, int Column)? Find(string path)
    {
        for (string? p = path; p is not null; p = JsonPath.Parent(p))
            if (_positions.TryGetValue(p, out var at)) return at;
        return _positions.TryGetValue(JsonPath.Root, out var root) ? root : null;
    }

    /// <summary>Scans <paramref name="utf8"/>, reporting duplicate keys and syntax errors as (path, message, line, column).
    /// Returns false when it is not valid JSON.</summary>
    public static bool TryScan(byte[] utf8, Action<string, string, int?, int?> report, out JsonSourceMap map)
    {
        map = new JsonSourceMap(utf8);
        var stack = new Stack<Frame>();
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            while (reader.Read())
            {
                var token = reader.TokenType;
                if (token is JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    stack.Pop();
                    continue;
                }
                var at = map.PositionOf((int)reader.TokenStartIndex);
                if (token == JsonTokenType.PropertyName)
                {
                    var frame = stack.Peek();
                    var name = reader.GetString()!;
                    var path = JsonPath.Key(frame.Path, name);
                    if (frame.Keys!.TryGetValue(name, out var first))
                        report(path, $"duplicate key '{name}' (first defined at line {first.Line}); each key may appear once", at.Line, at.Column);
                    else
                        frame.Keys[name] = at;
                    map._positions.TryAdd(path, at);
                    frame.PendingPath = path;
                    continue;
                }
                string valuePath;
                if (stack.Count == 0)
                {
                    valuePath = JsonPath.Root;
                    map._positions.TryAdd(valuePath, at);
                }
                else if (stack.Peek() is { IsArray: true } array)
                {
                    valuePath = JsonPath.Index(array.Path, array.Count++);
                    map._positions.TryAdd(valuePath, at);
                }
                else valuePath = stack.Peek().PendingPath!;

                if (token == JsonTokenType.StartObject) stack.Push(new Frame(valuePath, isArray: false));
                else if (token == JsonTokenType.StartArray) stack.Push(new Frame(valuePath, isArray: true));
            }
            return true;
        }
        catch (JsonException e)
        {
            var path = stack.Count == 0 ? JsonPath.Root : stack.Peek().PendingPath ?? stack.Peek().Path;
            int line = (int)(e.LineNumber ?? 0) + 1;
            int column = map.ColumnOf(line, (int)(e.BytePositionInLine ?? 0));
            report(path, "malformed JSON: " + ReaderPosition().Replace(e.Message, "").TrimEnd(), line, column);
            return false;
        }
    }

    private (int Line, int Column) PositionOf(int offset)
    {
        int index = Array.BinarySearch(_lineStarts, offset);
        int line = index >= 0 ? index : ~index - 1;
        int chars = line == _lastLine && offset >= _lastOffset
            ? _lastChars + CountChars(_lastOffset, offset)
            : CountChars(_lineStarts[line], offset);
        (_lastLine, _lastOffset, _lastChars) = (line, offset, chars);
        return (line + 1, chars + 1);
    }

    private int ColumnOf(int line, int bytesIntoLine)
    {
        if (line - 1 >= _lineStarts.Length) return bytesIntoLine + 1;
        int start = _lineStarts[line - 1];
        return CountChars(start, Math.Min(_utf8.Length, start + bytesIntoLine)) + 1;
    }

    // Columns count characters, not UTF-8 bytes: continuation bytes (10xxxxxx) do not start one.
    private int CountChars(int from, int to)
    {
        int n = 0;
        for (int i = from; i < to; i++)
            if ((_utf8[i] & 0xC0) != 0x80) n++;
        return n;
    }

    [GeneratedRegex(@"\s*(Path: \S*\s*\|\s*)?LineNumber: \d+ \| BytePositionInLine: \d+\.?\s*$")]
    private static partial Regex ReaderPosition();

    private sealed class Frame(string path, bool isArray)
    {
        public string Path { get; } = path;
        public bool IsArray { get; } = isArray;
        public int Count { get; set; }
        public string? PendingPath { get; set; }
        public Dictionary<string, (int Line, int Column)>? Keys { get; } = isArray ? null : new(StringComparer.Ordinal);
    }
}
