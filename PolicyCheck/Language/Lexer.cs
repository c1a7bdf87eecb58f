namespace Switchboard.PolicyCheck.Language;

/// <summary>Turns model text into tokens. Bad characters and unterminated comments are reported and
/// skipped, so the parser always gets a token list ending in <see cref="TokenKind.EndOfFile"/>.</summary>
internal static class Lexer
{
    private static readonly Dictionary<string, TokenKind> Keywords = new(StringComparer.Ordinal)
    {
        ["class"] = TokenKind.Class, ["case"] = TokenKind.Case, ["abstract"] = TokenKind.Abstract,
        ["val"] = TokenKind.Val, ["def"] = TokenKind.Def, ["pipeline"] = TokenKind.Pipeline,
        ["true"] = TokenKind.True, ["false"] = TokenKind.False, ["_"] = TokenKind.Underscore,
    };

    public static List<Token> Tokenize(string text, string file, DiagnosticBag diagnostics)
    {
        var tokens = new List<Token>();
        int i = 0, line = 1, lineStart = 0;
        bool newline = true;

        SourceSpan SpanAt(int start, int length) => new(file, line, start - lineStart + 1, length);

        while (i < text.Length)
        {
            char c = text[i];
            if (c == '\n') { i++; line++; lineStart = i; newline = true; continue; }
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == '/' && Peek(text, i + 1) == '/')
            {
                while (i < text.Length && text[i] != '\n') i++;
                continue;
            }
            if (c == '/' && Peek(text, i + 1) == '*')
            {
                var open = SpanAt(i, 2);
                i += 2;
                bool closed = false;
                while (i < text.Length)
                {
                    if (text[i] == '*' && Peek(text, i + 1) == '/') { i += 2; closed = true; break; }
                    if (text[i] == '\n') { line++; lineStart = i + 1; newline = true; }
                    i++;
                }
                if (!closed) diagnostics.Report(open, "unterminated comment: '/*' has no closing '*/'");
                continue;
            }

            int start = i;
            if (char.IsLetter(c) || c == '_')
            {
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_')) i++;
                string word = text[start..i];
                var kind = Keywords.TryGetValue(word, out var k) ? k : TokenKind.Identifier;
                tokens.Add(new Token(kind, word, SpanAt(start, i - start), newline));
                newline = false;
                continue;
            }
            if (char.IsDigit(c))
            {
                while (i < text.Length && char.IsDigit(text[i])) i++;
                if (i < text.Length && (char.IsLetter(text[i]) || text[i] == '_'))
                {
                    while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_')) i++;
                    diagnostics.Report(SpanAt(start, i - start), $"malformed number '{text[start..i]}'");
                }
                else
                {
                    tokens.Add(new Token(TokenKind.Integer, text[start..i], SpanAt(start, i - start), newline));
                }
                newline = false;
                continue;
            }

            var (kindP, len) = Punctuation(c, Peek(text, i + 1));
            if (len == 0)
            {
                diagnostics.Report(SpanAt(start, 1), $"unexpected character '{Printable(c)}'");
                i++;
                continue;
            }
            tokens.Add(new Token(kindP, text.Substring(start, len), SpanAt(start, len), newline));
            newline = false;
            i += len;
        }
        tokens.Add(new Token(TokenKind.EndOfFile, "end of file", SpanAt(i, 0), true));
        return tokens;
    }

    private static char Peek(string text, int i) => i < text.Length ? text[i] : '\0';

    private static string Printable(char c) => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString();

    private static (TokenKind Kind, int Length) Punctuation(char c, char next) => (c, next) switch
    {
        ('=', '>') => (TokenKind.Arrow, 2),
        ('=', '=') => (TokenKind.Eq, 2),
        ('!', '=') => (TokenKind.NotEq, 2),
        ('<', '=') => (TokenKind.LessEq, 2),
        ('>', '=') => (TokenKind.GreaterEq, 2),
        ('&', '&') => (TokenKind.AndAnd, 2),
        ('|', '|') => (TokenKind.OrOr, 2),
        ('+', '=') => (TokenKind.PlusAssign, 2),
        ('-', '=') => (TokenKind.MinusAssign, 2),
        ('=', _) => (TokenKind.Assign, 1),
        ('!', _) => (TokenKind.Bang, 1),
        ('<', _) => (TokenKind.Less, 1),
        ('>', _) => (TokenKind.Greater, 1),
        ('(', _) => (TokenKind.LParen, 1),
        (')', _) => (TokenKind.RParen, 1),
        ('[', _) => (TokenKind.LBracket, 1),
        (']', _) => (TokenKind.RBracket, 1),
        ('{', _) => (TokenKind.LBrace, 1),
        ('}', _) => (TokenKind.RBrace, 1),
        (',', _) => (TokenKind.Comma, 1),
        (':', _) => (TokenKind.Colon, 1),
        (';', _) => (TokenKind.Semicolon, 1),
        ('.', _) => (TokenKind.Dot, 1),
        _ => (TokenKind.EndOfFile, 0),
    };
}
