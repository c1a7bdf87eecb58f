namespace Switchboard.PolicyCheck.Language.Syntax;

// The untyped parse tree: exactly what was written, with places. The type checker turns it into
// the typed model AST (Ast.cs); nothing outside the language layer should need these.

internal sealed record TypeSyntax(string Name, IReadOnlyList<TypeSyntax> Args, SourceSpan Span)
{
    /// <summary>Name used for a tuple type "(A, B)".</summary>
    public const string TupleName = "(tuple)";
}

internal sealed record ParamSyntax(string? Name, TypeSyntax Type, SourceSpan Span);

internal abstract record DeclSyntax(string Name, SourceSpan Span);

internal sealed record RecordSyntax(string Name, IReadOnlyList<ParamSyntax> Fields, SourceSpan Span) : DeclSyntax(Name, Span);

internal sealed record ClassSyntax(
    string Name,
    IReadOnlyList<ParamSyntax> Params,
    IReadOnlyList<OracleSyntax> Oracles,
    IReadOnlyList<StateSyntax> State,
    IReadOnlyList<MethodSyntax> Methods,
    SourceSpan Span) : DeclSyntax(Name, Span);

internal sealed record OracleSyntax(string Name, IReadOnlyList<ParamSyntax> Params, TypeSyntax Result, SourceSpan Span);

internal sealed record StateSyntax(string Name, TypeSyntax Type, SourceSpan Span);

internal sealed record MethodSyntax(
    string Name,
    IReadOnlyList<ParamSyntax> Params,
    IReadOnlyList<LocalSyntax> Locals,
    IReadOnlyList<RuleSyntax> Rules,
    SourceSpan Span);

internal sealed record LocalSyntax(string Name, ExprSyntax Value, SourceSpan Span);

/// <summary>A guarded rule; <see cref="Guard"/> is null for the default rule "_ =>".
/// <see cref="Forward"/> is null only when the rule was malformed (already reported).</summary>
internal sealed record RuleSyntax(ExprSyntax? Guard, IReadOnlyList<StmtSyntax> Body, ExprSyntax? Forward, SourceSpan Span);

internal sealed record PipelineSyntax(
    string Name,
    IReadOnlyList<ParamSyntax> Params,
    IReadOnlyList<StageSyntax> Stages,
    ExprSyntax? ReverseWhen,
    SourceSpan Span) : DeclSyntax(Name, Span);

internal sealed record StageSyntax(string? Name, string Model, SourceSpan ModelSpan, IReadOnlyList<ExprSyntax> Args, SourceSpan Span);

// Statements inside a rule body.
internal abstract record StmtSyntax(SourceSpan Span);
internal sealed record AssignSyntax(ExprSyntax Target, ExprSyntax Value, SourceSpan Span) : StmtSyntax(Span);
internal sealed record CompoundAssignSyntax(ExprSyntax Target, bool IsAdd, ExprSyntax Value, SourceSpan Span) : StmtSyntax(Span);
internal sealed record ExprStmtSyntax(ExprSyntax Expr, SourceSpan Span) : StmtSyntax(Span);

// Expressions.
internal abstract record ExprSyntax(SourceSpan Span);
internal sealed record NameSyntax(string Name, SourceSpan Span) : ExprSyntax(Span);
internal sealed record IntSyntax(long Value, SourceSpan Span) : ExprSyntax(Span);
internal sealed record BoolSyntax(bool Value, SourceSpan Span) : ExprSyntax(Span);
/// <summary><c>target.name</c>; Span starts at the target, NameSpan is the member name.</summary>
internal sealed record MemberSyntax(ExprSyntax Target, string Name, SourceSpan NameSpan, SourceSpan Span) : ExprSyntax(Span);
internal sealed record CallSyntax(ExprSyntax Callee, IReadOnlyList<ExprSyntax> Args, SourceSpan Span) : ExprSyntax(Span);
internal sealed record IndexSyntax(ExprSyntax Target, IReadOnlyList<ExprSyntax> Args, SourceSpan Span) : ExprSyntax(Span);
internal sealed record UnarySyntax(TokenKind Op, ExprSyntax Operand, SourceSpan Span) : ExprSyntax(Span);
internal sealed record BinarySyntax(TokenKind Op, ExprSyntax Left, ExprSyntax Right, SourceSpan Span) : ExprSyntax(Span);
internal sealed record TupleSyntax(IReadOnlyList<ExprSyntax> Items, SourceSpan Span) : ExprSyntax(Span);
internal sealed record LambdaSyntax(string Param, ExprSyntax Body, SourceSpan Span) : ExprSyntax(Span);
