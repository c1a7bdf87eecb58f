using Switchboard.PolicyCheck.Language;
using Switchboard.PolicyCheck.Smt;

namespace Switchboard.PolicyCheck.Verification.Encoding;

/// <summary>State of one unit as functions of time (4.5.4): a Set is <c>member(x, t)</c>, a Map <c>has(k, t)</c> and
/// <c>val(k, t)</c>: the contents just before the packet received at time t is processed.</summary>
internal sealed record StateFunctions(StateVar Var, FunDecl Member, FunDecl? Value, VmnType KeyType, VmnType? ValueType);

/// <summary>
/// One model instance inside an NF: the NF itself, or one stage of a pipeline NF. Owns the instance's oracles
/// (uninterpreted functions) and state functions, named after <see cref="Prefix"/> so instances never share them.
/// </summary>
internal sealed class ModelUnit
{
    public ModelUnit(Vocabulary v, string prefix, ModelDecl model, IReadOnlyList<Sym> config)
    {
        Prefix = prefix;
        Model = model;
        for (int i = 0; i < model.Parameters.Count; i++) Config[model.Parameters[i]] = config[i];
        foreach (var o in model.Oracles)
            Oracles[o] = v.Script.DeclareFun($"{prefix}.{o.Name}", o.ParameterTypes.Select(v.SortOf).ToList(), v.SortOf(o.Result));
        foreach (var s in model.State)
        {
            switch (s.Type)
            {
                case SetType set:
                    State[s] = new StateFunctions(s, v.Script.DeclareFun($"{prefix}.{s.Name}", [v.SortOf(set.Element), Sort.Int], Sort.Bool), null, set.Element, null);
                    break;
                case MapType map:
                    State[s] = new StateFunctions(s,
                        v.Script.DeclareFun($"{prefix}.{s.Name}.has", [v.SortOf(map.Key), Sort.Int], Sort.Bool),
                        v.Script.DeclareFun($"{prefix}.{s.Name}.val", [v.SortOf(map.Key), Sort.Int], v.SortOf(map.Value)),
                        map.Key, map.Value);
                    break;
                default:
                    throw new EncodingException($"{prefix}: state '{s.Name}' must be a Set or a Map");
            }
        }
    }

    public string Prefix { get; }
    public ModelDecl Model { get; }
    public Dictionary<ConfigParam, Sym> Config { get; } = [];
    public Dictionary<OracleDecl, FunDecl> Oracles { get; } = [];
    public Dictionary<StateVar, StateFunctions> State { get; } = [];
}
