using Switchboard.PolicyCheck.Language.Syntax;

namespace Switchboard.PolicyCheck.Language;

/// <summary>Type checker: resolves names and types, reports located errors, and builds the
/// normal-form AST described in Ast.cs. Checks every declaration even after errors (using
/// <see cref="VmnType.Error"/> to avoid cascades), so one run reports independent mistakes.</summary>
internal sealed partial class Checker
{
    private readonly DiagnosticBag diagnostics;
    private readonly Dictionary<string, RecordType> records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ModelDecl> models = new(StringComparer.Ordinal);

    private Checker(DiagnosticBag diagnostics) => this.diagnostics = diagnostics;

    public static (List<ModelDecl> Models, List<PipelineDecl> Pipelines, List<RecordDecl> Records) Check(
        IReadOnlyList<DeclSyntax> decls, DiagnosticBag diagnostics)
    {
        var checker = new Checker(diagnostics);
        var declared = new Dictionary<string, DeclSyntax>(StringComparer.Ordinal);
        foreach (var d in decls)
        {
            if (declared.TryGetValue(d.Name, out var first))
                diagnostics.Report(d.Span, $"duplicate declaration '{d.Name}' (first declared at {first.Span})");
            else
                declared[d.Name] = d;
        }

        // Records first (types may refer to them), then classes, then pipelines (which refer to classes).
        var recordDecls = new List<RecordDecl>();
        foreach (var r in decls.OfType<RecordSyntax>())
        {
            if (BuiltinTypeName(r.Name) != null)
                diagnostics.Report(r.Span, $"case class '{r.Name}' cannot reuse the built-in type name '{r.Name}'");
            else if (!checker.records.ContainsKey(r.Name))
                checker.records[r.Name] = new RecordType(r.Name);
        }
        foreach (var r in decls.OfType<RecordSyntax>())
        {
            if (!checker.records.TryGetValue(r.Name, out var type) || declared[r.Name] != r) continue;
            type.Fields = checker.CheckFields(r.Fields, $"case class '{r.Name}'", "field");
            recordDecls.Add(new RecordDecl(type, r.Span));
        }

        var modelList = new List<ModelDecl>();
        foreach (var c in decls.OfType<ClassSyntax>())
        {
            var model = checker.CheckClass(c);
            if (declared[c.Name] == c) checker.models[c.Name] = model;
            modelList.Add(model);
        }

        var pipelines = decls.OfType<PipelineSyntax>().Select(checker.CheckPipeline).ToList();
        return (modelList, pipelines, recordDecls);
    }

    // ---- types ----------------------------------------------------------------------------------

    private static string? BuiltinTypeName(string name) => name.ToLowerInvariant() switch
    {
        "bool" or "boolean" => "Bool",
        "int" or "integer" or "port" => "Int",
        "address" => "Address",
        "host" or "node" => "Host",
        "flow" => "Flow",
        "packet" => "Packet",
        "set" => "Set",
        "map" => "Map",
        "list" => "List",
        "option" => "Option",
        _ => null,
    };

    private VmnType ResolveType(TypeSyntax t)
    {
        if (t.Name == TypeSyntax.TupleName)
            return new TupleType(t.Args.Select(ResolveType).ToList());
        var builtin = BuiltinTypeName(t.Name);
        int arity = builtin switch { "Set" or "List" or "Option" => 1, "Map" => 2, _ => 0 };
        if (builtin == null)
        {
            if (records.TryGetValue(t.Name, out var record))
            {
                if (t.Args.Count > 0) return ArityError(t, t.Name, 0);
                return record;
            }
            diagnostics.Report(t.Span, $"unknown type '{t.Name}'{Suggest(t.Name, KnownTypeNames())}");
            return VmnType.Error;
        }
        if (t.Args.Count != arity) return ArityError(t, builtin, arity);
        var args = t.Args.Select(ResolveType).ToList();
        return builtin switch
        {
            "Bool" => VmnType.Bool,
            "Int" => VmnType.Int,
            "Address" => VmnType.Address,
            "Host" => VmnType.Host,
            "Flow" => VmnType.Flow,
            "Packet" => VmnType.Packet,
            "Set" => new SetType(args[0]),
            "List" => new ListType(args[0]),
            "Option" => new OptionType(args[0]),
            _ => new MapType(args[0], args[1]),
        };
    }

    private VmnType ArityError(TypeSyntax t, string name, int arity)
    {
        diagnostics.Report(t.Span, arity == 0
            ? $"type '{name}' takes no type arguments"
            : $"type '{name}' takes {arity} type argument{(arity == 1 ? "" : "s")}, got {t.Args.Count}");
        return VmnType.Error;
    }

    private IEnumerable<string> KnownTypeNames() =>
        new[] { "Bool", "Int", "Address", "Host", "Flow", "Packet", "Set", "Map", "List", "Option" }.Concat(records.Keys);

    private static bool ContainsPacket(VmnType t) => t switch
    {
        PrimitiveType p => p.Kind is PrimitiveKind.Packet or PrimitiveKind.PacketSet,
        SetType s => ContainsPacket(s.Element),
        ListType l => ContainsPacket(l.Element),
        OptionType o => ContainsPacket(o.Element),
        MapType m => ContainsPacket(m.Key) || ContainsPacket(m.Value),
        TupleType tt => tt.Elements.Any(ContainsPacket),
        _ => false,
    };

    private List<(string Name, VmnType Type)> CheckFields(IReadOnlyList<ParamSyntax> fields, string owner, string what)
    {
        var result = new List<(string, VmnType)>();
        var seen = new Dictionary<string, SourceSpan>(StringComparer.Ordinal);
        foreach (var f in fields)
        {
            var type = ResolveType(f.Type);
            if (ContainsPacket(type))
            {
                diagnostics.Report(f.Type.Span, $"{what} '{f.Name}' of {owner} cannot hold packets");
                type = VmnType.Error;
            }
            if (seen.TryGetValue(f.Name!, out var first))
                diagnostics.Report(f.Span, $"duplicate {what} '{f.Name}' in {owner} (first declared at {first.Line}:{first.Column})");
            else
                seen[f.Name!] = f.Span;
            result.Add((f.Name!, type));
        }
        return result;
    }

    // ---- suggestions ------------------------------------------------------------------------------

    private static string Suggest(string name, IEnumerable<string> candidates)
    {
        if (name.Length < 3) return ""; // every short name is "close" to every other: no useful hint

        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var c in candidates.Distinct())
        {
            int d = Distance(name.ToLowerInvariant(), c.ToLowerInvariant());
            if (d < bestDistance) { best = c; bestDistance = d; }
        }
        return best != null && bestDistance <= Math.Max(1, name.Length / 3) ? $" (did you mean '{best}'?)" : "";
    }

    private static int Distance(string a, string b)
    {
        var row = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) row[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            int diag = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int up = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diag + (a[i - 1] == b[j - 1] ? 0 : 1));
                diag = up;
            }
        }
        return row[b.Length];
    }
}
