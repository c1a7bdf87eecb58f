namespace Switchboard.Host.Cli;

/// <summary>Plain-text tables for the run report and <c>ctl</c>: numeric columns align right, text left, every
/// cell on one line; a trailing text column (e.g. an NF's own counters) is not padded.</summary>
internal static class TextTable
{
    public static string Render(string[] header, IReadOnlyList<string[]> rows)
    {
        rows = rows.Select(r => r.Select(c => c.ReplaceLineEndings(" ")).ToArray()).ToList();
        int last = header.Length - 1;
        var numeric = header.Select((_, i) => rows.Count > 0 && rows.All(r => r[i].Length == 0 || r[i] == "-" || r[i].All(ch => char.IsDigit(ch) || ch is ',' or '.' or '%' or '-'))).ToArray();
        var widths = header.Select((h, i) => i == last && !numeric[i] ? h.Length : Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        var sb = new System.Text.StringBuilder();
        void Line(string[] cells) => sb.AppendLine("  " + string.Join("  ", cells.Select((c, i) => numeric[i] ? c.PadLeft(widths[i]) : c.PadRight(widths[i]))).TrimEnd());
        Line(header);
        sb.AppendLine("  " + string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var r in rows) Line(r);
        return sb.ToString();
    }
}
