using Switchboard.PolicyCheck.Language.Syntax;

namespace Switchboard.PolicyCheck.Language;

// The body of "def model(p: Packet) = { ... }": local vals, then guarded rules, each ending in forward(...).
internal sealed partial class Parser
{
    /// <summary>A guard already parsed while looking for the previous rule's forward(...) (that rule
    /// lacked one); the next rule starts from it instead of re-parsing.</summary>
    private (ExprSyntax? Guard, SourceSpan Span)? pendingRule;

    private void ParseModelBody(Token open, List<LocalSyntax> locals, List<RuleSyntax> rules)
    {
        while (true)
        {
            if (pendingRule is { } pending)
            {
                pendingRule = null;
                Advance(); // the '=>' that revealed the new rule
                TryParseRule(() => ParseRuleBody(pending.Guard, pending.Span), rules);
                continue;
            }
            if (Accept(TokenKind.RBrace)) return;
            if (At(TokenKind.EndOfFile) || At(TokenKind.Class) || At(TokenKind.Case) || At(TokenKind.Pipeline) || At(TokenKind.Def) || At(TokenKind.Abstract))
                throw Error(open.Span, $"unterminated method body: '{{' at {open.Span.Line}:{open.Span.Column} has no matching '}}'");
            if (At(TokenKind.Val))
            {
                var val = Advance();
                try
                {
                    if (rules.Count > 0)
                        diagnostics.Report(val.Span, "local 'val' declarations must come before the first rule");
                    var name = Expect(TokenKind.Identifier, "a local name after 'val'");
                    if (At(TokenKind.Colon)) { Advance(); ParseType(); } // an explicit type is allowed and checked by inference
                    Expect(TokenKind.Assign, $"'=' and a value for local '{name.Text}'");
                    locals.Add(new LocalSyntax(name.Text, ParseExpression(), name.Span));
                    Accept(TokenKind.Semicolon);
                }
                catch (SyntaxError)
                {
                    SkipRule();
                }
                continue;
            }
            TryParseRule(ParseRule, rules);
        }
    }

    private void TryParseRule(Func<RuleSyntax> parse, List<RuleSyntax> rules)
    {
        int before = pos;
        try
        {
            rules.Add(parse());
        }
        catch (SyntaxError)
        {
            pendingRule = null;
            if (pos == before && !At(TokenKind.RBrace)) Advance();
            SkipRule();
        }
    }

    private RuleSyntax ParseRule()
    {
        var start = Current.Span;
        ExprSyntax? guard = null;
        if (!Accept(TokenKind.Underscore)) guard = ParseExpression();
        Expect(TokenKind.Arrow, "'=>' after the rule's guard");
        return ParseRuleBody(guard, start);
    }

    private RuleSyntax ParseRuleBody(ExprSyntax? guard, SourceSpan start)
    {
        var body = new List<StmtSyntax>();
        const string missingForward = "rule does not end with forward(...): every rule must forward a set of packets, e.g. forward(Seq(p)) or forward(Empty)";
        while (true)
        {
            if (At(TokenKind.Identifier) && Current.Text == "forward" && PeekAt(1).Kind == TokenKind.LParen)
            {
                Advance();
                var open = Advance();
                if (At(TokenKind.RParen))
                    throw Error(Current.Span, "forward(...) needs the packets to send, e.g. forward(Seq(p)) or forward(Empty)");
                var arg = ParseExpression();
                if (At(TokenKind.Comma))
                    throw Error(Current.Span, "forward(...) takes one packet set; list several packets as forward(Seq(p, q))");
                ExpectClosing(TokenKind.RParen, open);
                Accept(TokenKind.Semicolon);
                return new RuleSyntax(guard, body, arg, start);
            }
            if (At(TokenKind.RBrace) || At(TokenKind.EndOfFile) || At(TokenKind.Val)
                || (At(TokenKind.Underscore) && PeekAt(1).Kind == TokenKind.Arrow))
            {
                diagnostics.Report(start, missingForward);
                return new RuleSyntax(guard, body, null, start);
            }
            var stmtStart = Current.Span;
            var target = ParseExpression();
            if (At(TokenKind.Arrow))
            {
                diagnostics.Report(start, missingForward);
                pendingRule = (target, stmtStart);
                return new RuleSyntax(guard, body, null, start);
            }
            if (Accept(TokenKind.Assign))
                body.Add(new AssignSyntax(target, ParseExpression(), stmtStart));
            else if (At(TokenKind.PlusAssign) || At(TokenKind.MinusAssign))
                body.Add(new CompoundAssignSyntax(target, Advance().Kind == TokenKind.PlusAssign, ParseExpression(), stmtStart));
            else
                body.Add(new ExprStmtSyntax(target, stmtStart));
            Accept(TokenKind.Semicolon);
        }
    }

    /// <summary>Recovery inside a model body: skip past the next top-level forward(...) (the end of
    /// the broken rule) or stop before the '}' that closes the body.</summary>
    private void SkipRule()
    {
        int depth = 0;
        while (!At(TokenKind.EndOfFile))
        {
            var k = Current.Kind;
            if (depth == 0 && k is TokenKind.RBrace or TokenKind.Class or TokenKind.Case or TokenKind.Pipeline or TokenKind.Def or TokenKind.Abstract)
                return;
            if (depth == 0 && k == TokenKind.Identifier && Current.Text == "forward" && PeekAt(1).Kind == TokenKind.LParen)
            {
                Advance();
                int inner = 0;
                do
                {
                    var t = Advance().Kind;
                    if (t is TokenKind.LParen or TokenKind.LBracket or TokenKind.LBrace) inner++;
                    else if (t is TokenKind.RParen or TokenKind.RBracket or TokenKind.RBrace) inner--;
                } while (inner > 0 && !At(TokenKind.EndOfFile));
                Accept(TokenKind.Semicolon);
                return;
            }
            if (k is TokenKind.LParen or TokenKind.LBracket or TokenKind.LBrace) depth++;
            else if (k is TokenKind.RParen or TokenKind.RBracket or TokenKind.RBrace && depth > 0) depth--;
            Advance();
        }
    }
}
