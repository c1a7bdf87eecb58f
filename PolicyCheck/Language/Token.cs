namespace Switchboard.PolicyCheck.Language;

internal enum TokenKind
{
    Identifier, Integer, EndOfFile,
    // keywords
    Class, Case, Abstract, Val, Def, Pipeline, True, False,
    // punctuation
    LParen, RParen, LBracket, RBracket, LBrace, RBrace,
    Comma, Colon, Semicolon, Dot, Arrow, Underscore,
    Assign, PlusAssign, MinusAssign,
    Eq, NotEq, Less, LessEq, Greater, GreaterEq,
    AndAnd, OrOr, Bang,
}

/// <summary>One token. <see cref="AfterNewline"/> drives the Scala-like rule that a call's "(" or an
/// index's "[" must stay on the callee's line, so statements need no semicolons.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, SourceSpan Span, bool AfterNewline);
