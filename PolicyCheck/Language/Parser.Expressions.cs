using Switchboard.PolicyCheck.Language.Syntax;

namespace Switchboard.PolicyCheck.Language;

// Expressions, loosest first: ||, &&, == !=, < <= > >=, prefix !, then postfix .name (args) [index].
internal sealed partial class Parser
{
    private ExprSyntax ParseExpression()
    {
        Enter(Current.Span);
        try { return nesting == 1 ? Bounded(ParseBinary(0)) : ParseBinary(0); }
        finally { Leave(); }
    }

    private static readonly TokenKind[][] Levels =
    [
        [TokenKind.OrOr],
        [TokenKind.AndAnd],
        [TokenKind.Eq, TokenKind.NotEq],
        [TokenKind.Less, TokenKind.LessEq, TokenKind.Greater, TokenKind.GreaterEq],
    ];

    private ExprSyntax ParseBinary(int level)
    {
        if (level == Levels.Length) return ParseUnary();
        var left = ParseBinary(level + 1);
        while (Array.IndexOf(Levels[level], Current.Kind) >= 0)
        {
            var op = Advance();
            var right = ParseBinary(level + 1);
            left = new BinarySyntax(op.Kind, left, right, op.Span);
        }
        return left;
    }

    private ExprSyntax ParseUnary()
    {
        if (At(TokenKind.Bang))
        {
            var bang = Advance();
            Enter(bang.Span);
            try { return new UnarySyntax(TokenKind.Bang, ParseUnary(), bang.Span); }
            finally { Leave(); }
        }
        return ParsePostfix();
    }

    private ExprSyntax ParsePostfix()
    {
        var e = ParsePrimary();
        while (true)
        {
            if (At(TokenKind.Dot))
            {
                Advance();
                var name = Expect(TokenKind.Identifier, "a member name after '.'");
                e = new MemberSyntax(e, name.Text, name.Span, Join(e.Span, name.Span));
            }
            else if (At(TokenKind.LParen) && !Current.AfterNewline)
            {
                var open = Current;
                e = new CallSyntax(e, ParseArguments(TokenKind.RParen), Join(e.Span, open.Span));
            }
            else if (At(TokenKind.LBracket) && !Current.AfterNewline)
            {
                var open = Current;
                e = new IndexSyntax(e, ParseArguments(TokenKind.RBracket), Join(e.Span, open.Span));
            }
            else
            {
                return e;
            }
        }
    }

    private List<ExprSyntax> ParseArguments(TokenKind closer)
    {
        var open = Advance();
        var args = new List<ExprSyntax>();
        if (At(closer))
        {
            Advance();
            return args;
        }
        do
        {
            if (At(TokenKind.Identifier) && PeekAt(1).Kind == TokenKind.Arrow)
            {
                var param = Advance();
                Advance();
                args.Add(new LambdaSyntax(param.Text, ParseExpression(), param.Span));
            }
            else
            {
                args.Add(ParseExpression());
            }
        } while (Accept(TokenKind.Comma));
        ExpectClosing(closer, open);
        return args;
    }

    private ExprSyntax ParsePrimary()
    {
        var t = Current;
        switch (t.Kind)
        {
            case TokenKind.Identifier:
                Advance();
                return new NameSyntax(t.Text, t.Span);
            case TokenKind.Integer:
                Advance();
                if (!long.TryParse(t.Text, out long value))
                    throw Error(t.Span, $"number {t.Text} is too large");
                return new IntSyntax(value, t.Span);
            case TokenKind.True:
            case TokenKind.False:
                Advance();
                return new BoolSyntax(t.Kind == TokenKind.True, t.Span);
            case TokenKind.LParen:
            {
                Advance();
                if (At(TokenKind.RParen)) throw Error(Current.Span, "expected an expression inside '()'");
                var items = new List<ExprSyntax> { ParseExpression() };
                while (Accept(TokenKind.Comma)) items.Add(ParseExpression());
                ExpectClosing(TokenKind.RParen, t);
                return items.Count == 1 ? items[0] : new TupleSyntax(items, t.Span);
            }
            case TokenKind.Underscore:
                throw Error(t.Span, "'_' is only allowed as the default rule '_ => ...'");
            default:
                throw Error(t.Span, $"expected an expression, found {Describe(t)}");
        }
    }
}
