using System.Text;
using Switchboard.Json;

namespace Switchboard.Host.Tests.Config;

/// <summary>Positions on long lines (minified files): every element's column, counted in characters.</summary>
public class SourceMapTests
{
    [Test]
    public void A_single_line_document_maps_every_element_to_its_column()
    {
        var sb = new StringBuilder("{\"a\":[");
        var columns = new List<int>();
        for (int i = 0; i < 50_000; i++)
        {
            if (i > 0) sb.Append(',');
            columns.Add(sb.Length + 1); // all characters so far are one per UTF-16 unit except the "é"s below
            sb.Append(i % 7 == 0 ? "\"é\"" : i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        sb.Append("],\n  \"b\": 1}");
        var utf8 = Encoding.UTF8.GetBytes(sb.ToString());
        Assert.That(JsonSourceMap.TryScan(utf8, (p, m, _, _) => Assert.Fail($"{p}: {m}"), out var map), Is.True);
        foreach (int i in new[] { 0, 1, 7, 8, 12_345, 49_999 })
            Assert.That(map.Find($"$.a[{i}]"), Is.EqualTo(((int, int)?)(1, columns[i])), $"element {i}");
        Assert.That(map.Find("$.b"), Is.EqualTo(((int, int)?)(2, 3)), "a new line starts counting again");
    }
}
