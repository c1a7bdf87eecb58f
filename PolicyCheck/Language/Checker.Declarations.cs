using Switchboard.PolicyCheck.Language.Syntax;

namespace Switchboard.PolicyCheck.Language;

// Classes (parameters, oracles, state, the model method) and pipelines.
internal sealed partial class Checker
{
    /// <summary>Names visible in a model body, and what each is.</summary>
    private sealed class Scope
    {
        public readonly Dictionary<string, ConfigParam> Params = new(StringComparer.Ordinal);
        public readonly Dictionary<string, OracleDecl> Oracles = new(StringComparer.Ordinal);
        public readonly Dictionary<string, StateVar> State = new(StringComparer.Ordinal);
        public readonly Dictionary<string, Expr> Locals = new(StringComparer.Ordinal);
        public readonly Dictionary<string, (string Kind, SourceSpan Span)> Declared = new(StringComparer.Ordinal);
        public string? PacketName;

        public IEnumerable<string> AllNames => Declared.Keys;
    }

    private bool Declare(Scope scope, string name, string kind, SourceSpan span)
    {
        if (scope.Declared.TryGetValue(name, out var first))
        {
            diagnostics.Report(span, $"duplicate name '{name}': already declared as {first.Kind} at {first.Span.Line}:{first.Span.Column}");
            return false;
        }
        scope.Declared[name] = (kind, span);
        return true;
    }

    private ModelDecl CheckClass(ClassSyntax c)
    {
        var scope = new Scope();
        string owner = $"class '{c.Name}'";
        var parameters = new List<ConfigParam>();
        foreach (var p in c.Params)
        {
            var type = ResolveType(p.Type);
            if (ContainsPacket(type))
            {
                diagnostics.Report(p.Type.Span, $"configuration parameter '{p.Name}' of {owner} cannot hold packets");
                type = VmnType.Error;
            }
            var param = new ConfigParam(p.Name!, type, p.Span);
            if (Declare(scope, p.Name!, "a configuration parameter", p.Span)) scope.Params[param.Name] = param;
            parameters.Add(param);
        }

        var oracles = new List<OracleDecl>();
        foreach (var o in c.Oracles)
        {
            var paramTypes = new List<VmnType>();
            foreach (var op in o.Params)
            {
                var t = ResolveType(op.Type);
                paramTypes.Add(t);
            }
            var result = ResolveType(o.Result);
            if (ContainsPacket(result))
            {
                diagnostics.Report(o.Result.Span, $"oracle '{o.Name}' cannot return packets; oracles classify packets, forward(...) sends them");
                result = VmnType.Error;
            }
            if (o.Params.Count == 0)
                diagnostics.Report(o.Span, $"oracle '{o.Name}' needs at least one parameter (usually 'p: Packet')");
            var oracle = new OracleDecl(o.Name, paramTypes, result, o.Span);
            if (Declare(scope, o.Name, "an oracle", o.Span)) scope.Oracles[o.Name] = oracle;
            oracles.Add(oracle);
        }

        var state = new List<StateVar>();
        foreach (var s in c.State)
        {
            var type = ResolveType(s.Type);
            if (!type.IsError && type is not SetType and not MapType)
            {
                diagnostics.Report(s.Type.Span, $"state '{s.Name}' must be a Set[..] or a Map[.., ..], found {type}");
                type = VmnType.Error;
            }
            else if (ContainsPacket(type))
            {
                diagnostics.Report(s.Type.Span, $"state '{s.Name}' cannot hold packets");
                type = VmnType.Error;
            }
            var v = new StateVar(s.Name, type, s.Span);
            if (Declare(scope, s.Name, "state", s.Span)) scope.State[s.Name] = v;
            state.Add(v);
        }

        string packetName = "p";
        var rules = new List<Rule>();
        MethodSyntax? model = null;
        foreach (var m in c.Methods)
        {
            if (m.Name != "model")
            {
                diagnostics.Report(m.Span, $"unsupported method 'def {m.Name}': a model class defines only 'def model(p: Packet)'");
                continue;
            }
            if (model != null)
            {
                diagnostics.Report(m.Span, $"duplicate 'def model' in {owner} (first at {model.Span.Line}:{model.Span.Column})");
                continue;
            }
            model = m;
        }
        if (model == null)
        {
            if (!c.Methods.Any(m => m.Name == "model"))
                diagnostics.Report(c.Span, $"{owner} has no 'def model(p: Packet)'");
        }
        else
        {
            if (model.Params.Count != 1)
                diagnostics.Report(model.Span, $"'def model' takes exactly one parameter 'p: Packet', got {model.Params.Count}");
            if (model.Params.Count > 0)
            {
                var pp = model.Params[0];
                var t = ResolveType(pp.Type);
                if (!t.IsError && !t.Equals(VmnType.Packet))
                    diagnostics.Report(pp.Type.Span, $"the parameter of 'def model' must have type Packet, found {t}");
                if (Declare(scope, pp.Name!, "the packet", pp.Span)) packetName = pp.Name!;
            }
            scope.PacketName = packetName;

            foreach (var local in model.Locals)
            {
                var value = CheckExpr(local.Value, new RuleContext(scope));
                if (value.Type.Equals(VmnType.PacketSet))
                    diagnostics.Report(local.Value.Span, $"local '{local.Name}' cannot hold a packet set");
                if (Declare(scope, local.Name, "a local value", local.Span)) scope.Locals[local.Name] = value;
            }

            Rule? defaultRule = null;
            foreach (var r in model.Rules)
            {
                if (defaultRule != null)
                    diagnostics.Report(r.Span, $"unreachable rule: the default rule '_ =>' at {defaultRule.Span.Line}:{defaultRule.Span.Column} already matches every packet");
                var rule = CheckRule(r, rules.Count, scope);
                rules.Add(rule);
                if (rule.IsDefault) defaultRule ??= rule;
            }
            if (model.Rules.Count == 0)
                diagnostics.Report(model.Span, $"'def model' of {owner} has no rules; write at least '_ => forward(Seq(p))' or '_ => forward(Empty)'");
        }
        return new ModelDecl(c.Name, c.Span, parameters, oracles, state, packetName, rules);
    }

    private PipelineDecl CheckPipeline(PipelineSyntax ps)
    {
        var scope = new Scope();
        var parameters = new List<ConfigParam>();
        foreach (var p in ps.Params)
        {
            var type = ResolveType(p.Type);
            var param = new ConfigParam(p.Name!, type, p.Span);
            if (Declare(scope, p.Name!, "a configuration parameter", p.Span)) scope.Params[param.Name] = param;
            parameters.Add(param);
        }

        var stages = new List<PipelineStage>();
        var stageNames = new Dictionary<string, SourceSpan>(StringComparer.Ordinal);
        foreach (var s in ps.Stages)
        {
            var args = s.Args.Select(a => CheckExpr(a, new RuleContext(scope))).ToList();
            string stageName = s.Name ?? s.Model;
            if (stageNames.TryGetValue(stageName, out var first))
                diagnostics.Report(s.Span, $"duplicate stage '{stageName}' in pipeline '{ps.Name}' (first at {first.Line}:{first.Column}); name stages as 'name = {s.Model}(...)'");
            else
                stageNames[stageName] = s.Span;
            if (!models.TryGetValue(s.Model, out var model))
            {
                diagnostics.Report(s.ModelSpan, $"unknown model '{s.Model}' in pipeline '{ps.Name}'{Suggest(s.Model, models.Keys)}");
                continue;
            }
            if (args.Count != model.Parameters.Count)
            {
                string expected = string.Join(", ", model.Parameters.Select(p => $"{p.Name}: {p.Type}"));
                diagnostics.Report(s.ModelSpan, $"wrong number of arguments: model '{model.Name}' takes {model.Parameters.Count} ({expected}), got {args.Count}");
            }
            else
            {
                for (int i = 0; i < args.Count; i++)
                    if (!VmnTypes.Fits(args[i].Type, model.Parameters[i].Type))
                        diagnostics.Report(args[i].Span, $"type mismatch: argument '{model.Parameters[i].Name}' of '{model.Name}' has type {model.Parameters[i].Type}, found {args[i].Type}");
            }
            stages.Add(new PipelineStage(stageName, model, args, s.Span));
        }
        if (ps.Stages.Count == 0)
            diagnostics.Report(ps.Span, $"pipeline '{ps.Name}' has no stages");

        Expr? reverse = null;
        if (ps.ReverseWhen != null)
        {
            scope.PacketName = "p";
            Declare(scope, "p", "the packet", ps.Span);
            reverse = CheckExpr(ps.ReverseWhen, new RuleContext(scope));
            ExpectType(reverse, VmnType.Bool, "the 'reverse when' condition");
        }
        return new PipelineDecl(ps.Name, ps.Span, parameters, stages, reverse);
    }

    private void ExpectType(Expr e, VmnType expected, string what)
    {
        if (!VmnTypes.Fits(e.Type, expected))
            diagnostics.Report(e.Span, $"type mismatch: {what} must be {expected}, found {e.Type}");
    }
}
