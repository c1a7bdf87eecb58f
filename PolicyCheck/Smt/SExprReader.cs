using System.Text;

namespace Switchboard.PolicyCheck.Smt;

/// <summary>
/// Reads S-expressions one at a time from a solver's output as it arrives (a response is complete when
/// its parentheses balance), so a session can send a follow-up command after each answer.
/// </summary>
public sealed class SExprReader(TextReader reader)
{
    private readonly char[] _buffer = new char[8192];
    private int _pos, _len;

    /// <summary>The next S-expression, or null at end of input. Throws <see cref="FormatException"/> on malformed text.</summary>
    public async ValueTask<SExpr?> ReadAsync(CancellationToken cancellationToken)
    {
        var stack = new Stack<List<SExpr>>();
        while (true)
        {
            int c = await PeekAsync(cancellationToken);
            if (c < 0)
            {
                if (stack.Count > 0) throw new FormatException("unexpected end of input inside a list");
                return null;
            }
            char ch = (char)c;
            SExpr? done = null;
            if (char.IsWhiteSpace(ch)) { _pos++; continue; }
            if (ch == ';')
            {
                while ((c = await PeekAsync(cancellationToken)) >= 0 && c != '\n') _pos++;
                continue;
            }
            if (ch == '(')
            {
                _pos++;
                stack.Push([]);
                continue;
            }
            if (ch == ')')
            {
                _pos++;
                if (stack.Count == 0) throw new FormatException("unbalanced ')'");
                done = new SList(stack.Pop());
            }
            else if (ch == '"') done = new SAtom(await ReadDelimitedAsync('"', doubledEscape: true, cancellationToken), AtomKind.String);
            else if (ch == '|') done = new SAtom(await ReadDelimitedAsync('|', doubledEscape: false, cancellationToken), AtomKind.Symbol);
            else done = await ReadAtomAsync(cancellationToken);

            if (stack.Count == 0) return done;
            stack.Peek().Add(done);
        }
    }

    private async ValueTask<string> ReadDelimitedAsync(char quote, bool doubledEscape, CancellationToken ct)
    {
        _pos++; // opening quote
        var sb = new StringBuilder();
        while (true)
        {
            int c = await PeekAsync(ct);
            if (c < 0) throw new FormatException($"unterminated {(quote == '"' ? "string" : "quoted symbol")}");
            _pos++;
            if (c == quote)
            {
                if (doubledEscape && await PeekAsync(ct) == quote)
                {
                    _pos++;
                    sb.Append(quote);
                    continue;
                }
                return sb.ToString();
            }
            sb.Append((char)c);
        }
    }

    private async ValueTask<SExpr> ReadAtomAsync(CancellationToken ct)
    {
        var sb = new StringBuilder();
        int c;
        while ((c = await PeekAsync(ct)) >= 0 && !char.IsWhiteSpace((char)c) && c is not '(' and not ')' and not '"' and not ';' and not '|')
        {
            sb.Append((char)c);
            _pos++;
        }
        var text = sb.ToString();
        var kind = text[0] == ':' ? AtomKind.Keyword
            : text.All(char.IsAsciiDigit) ? AtomKind.Numeral
            : char.IsAsciiDigit(text[0]) && text.Count(ch => ch == '.') == 1 && text.All(ch => char.IsAsciiDigit(ch) || ch == '.') ? AtomKind.Decimal
            : AtomKind.Symbol;
        return new SAtom(text, kind);
    }

    private async ValueTask<int> PeekAsync(CancellationToken ct)
    {
        if (_pos < _len) return _buffer[_pos];
        _len = await reader.ReadAsync(_buffer.AsMemory(), ct);
        _pos = 0;
        return _len <= 0 ? -1 : _buffer[0];
    }
}
