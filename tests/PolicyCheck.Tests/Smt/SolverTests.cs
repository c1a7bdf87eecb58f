using Switchboard.PolicyCheck.Smt;
using static Switchboard.PolicyCheck.Smt.Terms;

namespace Switchboard.PolicyCheck.Tests.Smt;

/// <summary>Both backends, as child processes, on small queries. Each needs its Debian package (z3, cvc5).</summary>
[TestFixture("z3")]
[TestFixture("cvc5")]
public class SolverTests(string solverName)
{
    private static readonly SolverOptions Fast = new() { Timeout = TimeSpan.FromSeconds(10) };
    private ISolver Solver => Solvers.Create(solverName);

    [Test]
    public async Task SatReturnsModelWithEnumIntAndDatatypeValues()
    {
        var script = new SmtScript();
        var color = script.DeclareEnumeration("Color", ["red", "green", "blue"]);
        var pair = DatatypeDecl.Record("Pair", "pair", new FieldDecl("first", color.Sort), new FieldDecl("second", Sort.Int));
        script.DeclareDatatypes(pair);
        var c = script.DeclareConst("c", color.Sort);
        var n = script.DeclareConst("n", Sort.Int);
        var p = script.DeclareConst("p", pair.Sort);
        var f = script.DeclareFun("f", [color.Sort], Sort.Int);
        script.Assert(Distinct(c, color.Value("red"), color.Value("green")));
        script.Assert(And(Gt(n, 41), Lt(n, 43)));
        script.Assert(Eq(p, pair.Constructor("pair").Apply(c, Int(-3))));
        script.Assert(Eq(f.Apply(c), Add(n, 1)));
        script.Observe(Add(n, n));

        var result = await Solver.CheckAsync(script, Fast);

        Assert.That(result.Status, Is.EqualTo(SolverStatus.Sat), result.ToString());
        var model = result.Model!;
        Assert.That(model.Constant("c"), Is.EqualTo(new DatatypeValue("blue", [])));
        Assert.That(model.Constant("n"), Is.EqualTo(new IntValue(42)));
        Assert.That(model.Constant("p"), Is.EqualTo(new DatatypeValue("pair", [new DatatypeValue("blue", []), new IntValue(-3)])));
        Assert.That(model.Apply("f", new DatatypeValue("blue", [])), Is.EqualTo(new IntValue(43)));
        Assert.That(result.Values, Is.EqualTo(new SmtValue[] { new IntValue(84) }));
        Assert.That(result.Solver, Is.EqualTo(solverName));
    }

    [Test]
    public async Task UnsatReportsTheNamedCore()
    {
        var script = new SmtScript();
        var x = script.DeclareConst("x", Sort.Int);
        script.Assert(Gt(x, 5), "big");
        script.Assert(Lt(x, 3), "small");
        script.Assert(Gt(x, -100), "irrelevant");

        var result = await Solver.CheckAsync(script, Fast with { ProduceUnsatCore = true });

        Assert.That(result.Status, Is.EqualTo(SolverStatus.Unsat), result.ToString());
        Assert.That(result.UnsatCore, Is.EquivalentTo(new[] { "big", "small" }));
    }

    [Test]
    public async Task QuantifiedQueryNeedsMbqiToFindAModel()
    {
        var script = new SmtScript();
        var node = script.DeclareEnumeration("Node", ["A", "B"]);
        var reach = script.DeclareFun("reach", [node.Sort, Sort.Int], Sort.Bool);
        var n = new Var("n", node.Sort);
        var t = new Var("t", Sort.Int);
        script.Assert(Forall([n, t], Implies(reach.Apply(n, t), Gt(t, 0)), [[reach.Apply(n, t)]]));
        var w = script.DeclareConst("w", Sort.Int);
        script.Assert(reach.Apply(node.Value("A"), w));

        var result = await Solver.CheckAsync(script, Fast);

        Assert.That(result.Status, Is.EqualTo(SolverStatus.Sat), result.ToString());
        Assert.That(((IntValue)result.Model!.Constant("w")).Value, Is.GreaterThan(System.Numerics.BigInteger.Zero));
    }

    [Test]
    public async Task HardQueryTimesOutAsUnknownAndReseedsAreCounted()
    {
        var result = await Solver.CheckAsync(HardQuery(), new SolverOptions { Timeout = TimeSpan.FromMilliseconds(150), Seed = 11, Reseeds = 1 });

        Assert.That(result.Status, Is.EqualTo(SolverStatus.Unknown));
        Assert.That(result.Reason, Is.EqualTo(UnknownReason.Timeout), result.ToString());
        Assert.That(result.Attempts, Is.EqualTo(2));
        Assert.That(result.Seed, Is.EqualTo(new SolverOptions { Seed = 11 }.SeedFor(1)));
    }

    [Test]
    public async Task ScriptErrorIsUnknownNeverAVerdict()
    {
        var script = new SmtScript();
        var x = script.DeclareConst("x", Sort.Int);
        script.Assert(Eq(x, Symbol("undeclared")));

        var result = await Solver.CheckAsync(script, Fast);

        Assert.That(result.Status, Is.EqualTo(SolverStatus.Unknown));
        Assert.That(result.Reason, Is.EqualTo(UnknownReason.SolverError));
        Assert.That(result.Detail, Does.Contain("undeclared"));
    }

    [Test]
    public async Task CallerCancellationKillsTheSolver()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var result = await Solver.CheckAsync(HardQuery(), new SolverOptions { Timeout = TimeSpan.FromSeconds(60) }, cts.Token);

        Assert.That(result.Status, Is.EqualTo(SolverStatus.Unknown));
        Assert.That(result.Reason, Is.EqualTo(UnknownReason.Cancelled));
    }

    /// <summary>Cubes summing to a cube (Fermat, n = 3): unsat, but no solver here can prove it.</summary>
    internal static SmtScript HardQuery()
    {
        var script = new SmtScript();
        var x = script.DeclareConst("x", Sort.Int);
        var y = script.DeclareConst("y", Sort.Int);
        var z = script.DeclareConst("z", Sort.Int);
        Term Cube(Term v) => App("*", v, v, v);
        script.Assert(And(Gt(x, 0), Gt(y, 0), Gt(z, 0), Eq(Add(Cube(x), Cube(y)), Cube(z))));
        return script;
    }
}
