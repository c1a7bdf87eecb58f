using Switchboard.PolicyCheck.Language.Syntax;

namespace Switchboard.PolicyCheck.Language;

/// <summary>Recursive-descent parser for the model language (see LANGUAGE.md). On a syntax error it
/// reports a located diagnostic and resynchronises (next rule, next member, next declaration), so
/// one pass reports several independent errors; it never throws on bad input.</summary>
internal sealed partial class Parser
{
    private readonly List<Token> tokens;
    private readonly DiagnosticBag diagnostics;
    private int pos;
    private int nesting;

    /// <summary>Deeper nesting than this is rejected, in the parser's recursion and in the trees it builds
    /// (operator and member chains): later passes recurse over them and must not overflow the stack.</summary>
    public const int MaxDepth = 200;

    /// <summary>Pairs with a <c>finally { Leave(); }</c>.</summary>
    private void Enter(SourceSpan span)
    {
        if (nesting >= MaxDepth) throw Error(span, $"nesting deeper than {MaxDepth} levels");
        nesting++;
    }

    private void Leave() => nesting--;

    /// <summary>Rejects an expression tree deeper than <see cref="MaxDepth"/> (measured without recursion).</summary>
    private ExprSyntax Bounded(ExprSyntax e)
    {
        var stack = new Stack<(ExprSyntax Node, int Depth)>();
        stack.Push((e, 1));
        while (stack.Count > 0)
        {
            var (node, d) = stack.Pop();
            if (d > MaxDepth) throw Error(node.Span, $"expression nested deeper than {MaxDepth} levels");
            foreach (var child in SyntaxChildren(node)) stack.Push((child, d + 1));
        }
        return e;
    }

    private static IEnumerable<ExprSyntax> SyntaxChildren(ExprSyntax e) => e switch
    {
        MemberSyntax m => [m.Target],
        CallSyntax c => c.Args.Prepend(c.Callee),
        IndexSyntax x => x.Args.Prepend(x.Target),
        UnarySyntax u => [u.Operand],
        BinarySyntax b => [b.Left, b.Right],
        TupleSyntax t => t.Items,
        LambdaSyntax l => [l.Body],
        _ => [],
    };

    /// <summary>Thrown after a diagnostic was reported, to unwind to the nearest recovery point.</summary>
    private sealed class SyntaxError : Exception;

    private Parser(List<Token> tokens, DiagnosticBag diagnostics)
    {
        this.tokens = tokens;
        this.diagnostics = diagnostics;
    }

    public static List<DeclSyntax> ParseFile(string text, string file, DiagnosticBag diagnostics)
    {
        var parser = new Parser(Lexer.Tokenize(text, file, diagnostics), diagnostics);
        return parser.ParseDeclarations();
    }

    private Token Current => tokens[pos];
    private Token PeekAt(int offset) => tokens[Math.Min(pos + offset, tokens.Count - 1)];
    private bool At(TokenKind kind) => Current.Kind == kind;
    private Token Advance() => tokens[pos < tokens.Count - 1 ? pos++ : pos];

    private bool Accept(TokenKind kind)
    {
        if (!At(kind)) return false;
        Advance();
        return true;
    }

    private Token Expect(TokenKind kind, string what)
    {
        if (At(kind)) return Advance();
        throw Error(Current.Span, $"expected {what}, found {Describe(Current)}");
    }

    private Token ExpectClosing(TokenKind kind, Token open)
    {
        if (At(kind)) return Advance();
        string closer = kind switch { TokenKind.RParen => "')'", TokenKind.RBracket => "']'", _ => "'}'" };
        string found = At(TokenKind.EndOfFile) ? "end of file" : Describe(Current);
        throw Error(Current.Span, $"expected {closer} to close '{open.Text}' at {open.Span.Line}:{open.Span.Column}, found {found}");
    }

    private SyntaxError Error(SourceSpan span, string message)
    {
        diagnostics.Report(span, message);
        return new SyntaxError();
    }

    private static string Describe(Token t) => t.Kind switch
    {
        TokenKind.EndOfFile => "end of file",
        TokenKind.Identifier => $"identifier '{t.Text}'",
        TokenKind.Integer => $"number {t.Text}",
        _ => $"'{t.Text}'",
    };

    private static SourceSpan Join(SourceSpan start, SourceSpan end) =>
        start.Line == end.Line
            ? start with { Length = Math.Max(start.Length, end.Column + end.Length - start.Column) }
            : start;

    private SourceSpan PreviousSpan => tokens[Math.Max(pos - 1, 0)].Span;

    // ---- declarations ---------------------------------------------------------------------------

    private List<DeclSyntax> ParseDeclarations()
    {
        var decls = new List<DeclSyntax>();
        while (!At(TokenKind.EndOfFile))
        {
            int before = pos;
            try
            {
                if (At(TokenKind.Case)) decls.Add(ParseRecord());
                else if (At(TokenKind.Class)) decls.Add(ParseClass());
                else if (At(TokenKind.Pipeline)) decls.Add(ParsePipeline());
                else throw Error(Current.Span, $"expected 'class', 'case class' or 'pipeline', found {Describe(Current)}");
            }
            catch (SyntaxError)
            {
                if (pos == before) Advance();
                while (!At(TokenKind.EndOfFile) && !At(TokenKind.Class) && !At(TokenKind.Case) && !At(TokenKind.Pipeline))
                    Advance();
            }
        }
        return decls;
    }

    private RecordSyntax ParseRecord()
    {
        var start = Expect(TokenKind.Case, "'case'").Span;
        Expect(TokenKind.Class, "'class' after 'case'");
        var name = Expect(TokenKind.Identifier, "a case class name");
        var fields = ParseParamList(requireNames: true);
        return new RecordSyntax(name.Text, fields, Join(start, name.Span));
    }

    private List<ParamSyntax> ParseParamList(bool requireNames)
    {
        var open = Expect(TokenKind.LParen, "'('");
        var list = new List<ParamSyntax>();
        if (Accept(TokenKind.RParen)) return list;
        do
        {
            if (At(TokenKind.RParen)) break; // trailing comma
            var first = Current;
            if (At(TokenKind.Identifier) && PeekAt(1).Kind == TokenKind.Colon)
            {
                Advance();
                Advance();
                list.Add(new ParamSyntax(first.Text, ParseType(), first.Span));
            }
            else if (requireNames)
            {
                throw Error(Current.Span, $"expected a parameter 'name: Type', found {Describe(Current)}");
            }
            else
            {
                list.Add(new ParamSyntax(null, ParseType(), first.Span));
            }
        } while (Accept(TokenKind.Comma));
        ExpectClosing(TokenKind.RParen, open);
        return list;
    }

    private TypeSyntax ParseType()
    {
        Enter(Current.Span);
        try { return ParseTypeInner(); }
        finally { Leave(); }
    }

    private TypeSyntax ParseTypeInner()
    {
        if (At(TokenKind.LParen))
        {
            var open = Advance();
            var items = new List<TypeSyntax> { ParseType() };
            while (Accept(TokenKind.Comma)) items.Add(ParseType());
            ExpectClosing(TokenKind.RParen, open);
            return items.Count == 1 ? items[0] : new TypeSyntax(TypeSyntax.TupleName, items, open.Span);
        }
        var name = Expect(TokenKind.Identifier, "a type");
        var args = new List<TypeSyntax>();
        if (At(TokenKind.LBracket))
        {
            var open = Advance();
            args.Add(ParseType());
            while (Accept(TokenKind.Comma)) args.Add(ParseType());
            ExpectClosing(TokenKind.RBracket, open);
        }
        return new TypeSyntax(name.Text, args, name.Span);
    }

    private ClassSyntax ParseClass()
    {
        Expect(TokenKind.Class, "'class'");
        var name = Expect(TokenKind.Identifier, "a class name");
        var parameters = At(TokenKind.LParen) ? ParseParamList(requireNames: true) : [];
        var open = Expect(TokenKind.LBrace, "'{' to start the class body");
        var oracles = new List<OracleSyntax>();
        var state = new List<StateSyntax>();
        var methods = new List<MethodSyntax>();
        while (!At(TokenKind.RBrace))
        {
            if (At(TokenKind.EndOfFile) || At(TokenKind.Class) || At(TokenKind.Case) || At(TokenKind.Pipeline))
                throw Error(open.Span, $"unterminated class '{name.Text}': '{{' at {open.Span.Line}:{open.Span.Column} has no matching '}}'");
            int before = pos;
            try
            {
                switch (Current.Kind)
                {
                    case TokenKind.Abstract: oracles.Add(ParseOracle()); break;
                    case TokenKind.Val: state.Add(ParseState()); break;
                    case TokenKind.Def: methods.Add(ParseMethod()); break;
                    default:
                        throw Error(Current.Span, $"expected 'abstract', 'val' or 'def' in class '{name.Text}', found {Describe(Current)}");
                }
                Accept(TokenKind.Semicolon);
            }
            catch (SyntaxError)
            {
                if (pos == before) Advance();
                SkipToMember();
            }
        }
        Advance();
        return new ClassSyntax(name.Text, parameters, oracles, state, methods, name.Span);
    }

    /// <summary>Recovery inside a class body: stop before the next member keyword or the class's '}'.</summary>
    private void SkipToMember()
    {
        int depth = 0;
        while (!At(TokenKind.EndOfFile))
        {
            var k = Current.Kind;
            if (depth == 0 && k is TokenKind.Abstract or TokenKind.Val or TokenKind.Def or TokenKind.RBrace
                or TokenKind.Class or TokenKind.Case or TokenKind.Pipeline)
                return;
            if (k is TokenKind.LBrace) depth++;
            else if (k is TokenKind.RBrace) depth--;
            Advance();
        }
    }

    private OracleSyntax ParseOracle()
    {
        Expect(TokenKind.Abstract, "'abstract'");
        var name = Expect(TokenKind.Identifier, "an oracle name");
        var parameters = ParseParamList(requireNames: false);
        Expect(TokenKind.Colon, $"':' and the result type of oracle '{name.Text}'");
        var result = ParseType();
        return new OracleSyntax(name.Text, parameters, result, name.Span);
    }

    private StateSyntax ParseState()
    {
        Expect(TokenKind.Val, "'val'");
        var name = Expect(TokenKind.Identifier, "a state name");
        if (At(TokenKind.Assign))
            throw Error(Current.Span, $"state '{name.Text}' cannot have an initialiser: state starts empty (write 'val {name.Text}: Type')");
        Expect(TokenKind.Colon, $"':' and the type of state '{name.Text}'");
        return new StateSyntax(name.Text, ParseType(), name.Span);
    }

    private MethodSyntax ParseMethod()
    {
        Expect(TokenKind.Def, "'def'");
        var name = Expect(TokenKind.Identifier, "a method name");
        var parameters = ParseParamList(requireNames: true);
        Accept(TokenKind.Assign);
        var open = Expect(TokenKind.LBrace, $"'{{' to start the body of '{name.Text}'");
        var locals = new List<LocalSyntax>();
        var rules = new List<RuleSyntax>();
        ParseModelBody(open, locals, rules);
        return new MethodSyntax(name.Text, parameters, locals, rules, name.Span);
    }

    private PipelineSyntax ParsePipeline()
    {
        Expect(TokenKind.Pipeline, "'pipeline'");
        var name = Expect(TokenKind.Identifier, "a pipeline name");
        var parameters = At(TokenKind.LParen) ? ParseParamList(requireNames: true) : [];
        var open = Expect(TokenKind.LBrace, "'{' to start the pipeline body");
        var stages = new List<StageSyntax>();
        ExprSyntax? reverseWhen = null;
        while (!At(TokenKind.RBrace))
        {
            if (At(TokenKind.EndOfFile) || At(TokenKind.Class) || At(TokenKind.Case) || At(TokenKind.Pipeline))
                throw Error(open.Span, $"unterminated pipeline '{name.Text}': '{{' at {open.Span.Line}:{open.Span.Column} has no matching '}}'");
            if (At(TokenKind.Identifier) && Current.Text == "reverse" && PeekAt(1).Kind == TokenKind.Identifier && PeekAt(1).Text == "when")
            {
                var kw = Advance();
                Advance();
                if (reverseWhen != null) diagnostics.Report(kw.Span, $"pipeline '{name.Text}' has more than one 'reverse when' clause");
                reverseWhen = ParseExpression();
            }
            else
            {
                stages.Add(ParseStage());
            }
            Accept(TokenKind.Semicolon);
        }
        Advance();
        return new PipelineSyntax(name.Text, parameters, stages, reverseWhen, name.Span);
    }

    private StageSyntax ParseStage()
    {
        var first = Expect(TokenKind.Identifier, "a stage 'name = Model(args)' or 'Model(args)'");
        string? stageName = null;
        var model = first;
        if (Accept(TokenKind.Assign))
        {
            stageName = first.Text;
            model = Expect(TokenKind.Identifier, "a model name");
        }
        var args = new List<ExprSyntax>();
        if (At(TokenKind.LParen) && !Current.AfterNewline)
        {
            var open = Advance();
            if (!At(TokenKind.RParen))
            {
                do args.Add(ParseExpression()); while (Accept(TokenKind.Comma));
            }
            ExpectClosing(TokenKind.RParen, open);
        }
        return new StageSyntax(stageName, model.Text, model.Span, args, first.Span);
    }
}
