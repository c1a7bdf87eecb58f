using System.Text.Json;

namespace Switchboard.Json;

/// <summary>
/// A pipeline invariant's <c>"stages"</c>, for plugins.json and for network files alike: at least two, in order, each
/// an NF name or a non-empty list of alternative NF names (redundant instances: passing any one passes the stage);
/// no NF in two stages. What an NF name is, each caller says (<c>checkNf</c> reports its own error and returns false).
/// </summary>
public static class PipelineStages
{
    public static IReadOnlyList<IReadOnlyList<string>> Parse(ObjectView inv, IJsonDiagnostics diag, Func<string, string, bool> checkNf,
        string traversalKind = "traversal")
    {
        var items = inv.Array("stages", required: true);
        if (items is null) return [];
        if (items.Count < 2)
            diag.Error(inv.ChildPath("stages"), $"a pipeline names at least two stages in the order packets pass them, got {items.Count}; for one NF use kind '{traversalKind}'");
        var stages = new List<IReadOnlyList<string>>();
        var stageOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < items.Count; i++)
        {
            var (element, stagePath) = items[i];
            var alternatives = new List<(string Name, string Path)>();
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    alternatives.Add((element.GetString()!, stagePath));
                    break;
                case JsonValueKind.Array:
                    int j = 0;
                    foreach (var alt in element.EnumerateArray())
                    {
                        var altPath = JsonPath.Index(stagePath, j++);
                        if (alt.ValueKind == JsonValueKind.String) alternatives.Add((alt.GetString()!, altPath));
                        else diag.Error(altPath, $"expected an NF name, got {ObjectView.Describe(alt)}");
                    }
                    if (j == 0) diag.Error(stagePath, "an empty stage: name the NF (or the alternative NFs) packets must pass here");
                    break;
                default:
                    diag.Error(stagePath, $"expected an NF name or a list of alternative NF names, got {ObjectView.Describe(element)}");
                    continue;
            }
            var stage = new List<string>();
            foreach (var (nf, nfPath) in alternatives)
            {
                if (!checkNf(nf, nfPath)) continue;
                if (stageOf.TryGetValue(nf, out var earlier))
                    diag.Error(nfPath, earlier == i ? $"'{nf}' is named twice in this stage" : $"'{nf}' is already in stage {earlier + 1}; an NF belongs to one stage");
                else
                {
                    stageOf[nf] = i;
                    stage.Add(nf);
                }
            }
            stages.Add(stage);
        }
        return stages;
    }
}
