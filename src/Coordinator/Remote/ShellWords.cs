using System.Text;

namespace IpcKit.Coordinator.Remote;

/// <summary>
/// POSIX shell words: splitting a command prefix the user wrote (<c>exec:'kubectl exec -i pod --'</c>) and quoting the
/// words of the command SSH hands to the remote login shell. Hand-written because no library this project uses does
/// either the POSIX way (System.CommandLine's splitter knows double quotes only); it covers quotes and backslashes,
/// not expansions, which <c>exec:</c> deliberately does not perform.
/// </summary>
internal static class ShellWords
{
    /// <summary>Splits <paramref name="text"/> at unquoted blanks, honouring '…', "…" and backslash escapes.</summary>
    /// <exception cref="FormatException">A quote is not closed, or the text ends with a lone backslash.</exception>
    public static IReadOnlyList<string> Split(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case ' ' or '\t' or '\n':
                    if (inWord)
                    {
                        words.Add(word.ToString());
                        word.Clear();
                        inWord = false;
                    }

                    continue;
                case '\'':
                    int close = text.IndexOf('\'', i + 1);
                    if (close < 0)
                    {
                        throw new FormatException($"A single quote is not closed in: {text}");
                    }

                    word.Append(text, i + 1, close - i - 1);
                    i = close;
                    break;
                case '"':
                    i = ReadDoubleQuoted(text, i, word);
                    break;
                case '\\':
                    if (++i >= text.Length)
                    {
                        throw new FormatException($"A backslash ends: {text}");
                    }

                    word.Append(text[i]);
                    break;
                default:
                    word.Append(c);
                    break;
            }

            inWord = true;
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    /// <summary>
    /// Quotes one word so that a POSIX shell reads it back unchanged: 'it'\''s' for it's. A leading <c>~/</c> stays
    /// unquoted, so that the remote shell expands it to the remote user's home (--remote-ipckit '~/.dotnet/tools/ipckit').
    /// </summary>
    public static string Quote(string word) =>
        word.StartsWith("~/", StringComparison.Ordinal) ? "~/" + Quote(word[2..]) :
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or '+' or ',' or ':' or '=' or '@')
            ? word
            : "'" + word.Replace("'", @"'\''", StringComparison.Ordinal) + "'";

    /// <summary>Words joined into one command line for a POSIX shell.</summary>
    public static string Join(IEnumerable<string> words) => string.Join(' ', words.Select(Quote));

    private static int ReadDoubleQuoted(string text, int open, StringBuilder word)
    {
        for (int i = open + 1; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '"')
            {
                return i;
            }

            // Inside double quotes a backslash escapes only these, as in sh.
            if (c == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\' or '$' or '`')
            {
                c = text[++i];
            }

            word.Append(c);
        }

        throw new FormatException($"A double quote is not closed in: {text}");
    }
}
