using System.Globalization;
using System.Text;

namespace IpcKit.Transports;

/// <summary>
/// Where a transport listens or connects, written as a URI: <c>pipe://name</c>, <c>unix:///tmp/x.sock</c>,
/// <c>tcp://127.0.0.1:0</c>, <c>anon-pipe://?read=5&amp;write=6</c>, <c>shm://name?capacity=4MiB</c>.
/// </summary>
/// <remarks>
/// Parsing is deliberately simpler than <see cref="Uri"/>: the text between <c>://</c> and <c>?</c> is kept
/// verbatim as <see cref="Address"/> (a path, a name or host:port), and the query is a list of
/// percent-encoded <c>key=value</c> pairs in their original order. <see cref="ToString"/> writes the same form,
/// so <c>Endpoint.Parse(e.ToString())</c> equals <c>e</c>. Instances are immutable; the <c>With*</c> methods return copies.
/// </remarks>
public sealed class Endpoint : IEquatable<Endpoint>
{
    private readonly KeyValuePair<string, string>[] _query;

    private Endpoint(string scheme, string address, KeyValuePair<string, string>[] query)
    {
        Scheme = scheme;
        Address = address;
        _query = query;
    }

    /// <summary>The scheme in lower case, which selects the transport (<c>pipe</c>, <c>unix</c>, <c>tcp</c>…).</summary>
    public string Scheme { get; }

    /// <summary>Everything between <c>scheme://</c> and the query: a path, a name, or <c>host:port</c>.</summary>
    public string Address { get; }

    /// <summary>The query parameters, decoded, in the order they were written.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Query => _query;

    /// <summary>Creates an endpoint from its parts.</summary>
    /// <exception cref="ArgumentException">The scheme is empty or has characters other than letters, digits, '+', '-' and '.'.</exception>
    public static Endpoint Create(string scheme, string address, IEnumerable<KeyValuePair<string, string>>? query = null)
    {
        ArgumentNullException.ThrowIfNull(scheme);
        ArgumentNullException.ThrowIfNull(address);
        if (!IsValidScheme(scheme))
        {
            throw new ArgumentException($"'{scheme}' is not a valid endpoint scheme: use letters, digits, '+', '-' or '.'.", nameof(scheme));
        }

        if (address.Contains('?', StringComparison.Ordinal))
        {
            throw new ArgumentException("An endpoint address cannot contain '?'; pass parameters as the query.", nameof(address));
        }

        return new Endpoint(scheme.ToLowerInvariant(), address, query?.ToArray() ?? []);
    }

    /// <summary>Parses <c>scheme://address?key=value&amp;…</c>.</summary>
    /// <exception cref="FormatException">The text is not of that form; the message says what is wrong.</exception>
    public static Endpoint Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var endpoint, out var error) ? endpoint : throw new FormatException(error);
    }

    /// <summary>Parses like <see cref="Parse"/> but returns false instead of throwing.</summary>
    public static bool TryParse(string? text, out Endpoint endpoint) => TryParse(text, out endpoint, out _);

    private static bool TryParse(string? text, out Endpoint endpoint, out string error)
    {
        endpoint = null!;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "An endpoint is empty; expected scheme://address, for example unix:///tmp/ipckit.sock.";
            return false;
        }

        int sep = text.IndexOf("://", StringComparison.Ordinal);
        if (sep <= 0)
        {
            error = $"'{text}' is not an endpoint: expected scheme://address, for example tcp://127.0.0.1:0.";
            return false;
        }

        string scheme = text[..sep];
        if (!IsValidScheme(scheme))
        {
            error = $"'{scheme}' in '{text}' is not a valid scheme.";
            return false;
        }

        string rest = text[(sep + 3)..];
        int q = rest.IndexOf('?', StringComparison.Ordinal);
        string address = q < 0 ? rest : rest[..q];
        var query = new List<KeyValuePair<string, string>>();
        if (q >= 0)
        {
            foreach (string part in rest[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = part.IndexOf('=', StringComparison.Ordinal);
                string key = eq < 0 ? part : part[..eq];
                string value = eq < 0 ? "" : part[(eq + 1)..];
                if (key.Length == 0)
                {
                    error = $"The query of '{text}' has a parameter with no name.";
                    return false;
                }

                query.Add(new(Uri.UnescapeDataString(key), Uri.UnescapeDataString(value)));
            }
        }

        endpoint = new Endpoint(scheme.ToLowerInvariant(), address, [.. query]);
        error = "";
        return true;
    }

    /// <summary>The value of the last query parameter with this name (case-insensitive), or null.</summary>
    public string? GetQueryValue(string key)
    {
        for (int i = _query.Length - 1; i >= 0; i--)
        {
            if (string.Equals(_query[i].Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return _query[i].Value;
            }
        }

        return null;
    }

    /// <summary>A copy with another address.</summary>
    public Endpoint WithAddress(string address) => Create(Scheme, address, _query);

    /// <summary>A copy with the parameter set: replaced where it exists, appended where it does not.</summary>
    public Endpoint WithQueryValue(string key, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        var list = _query.Where(p => !string.Equals(p.Key, key, StringComparison.OrdinalIgnoreCase)).ToList();
        list.Add(new(key, value));
        return new Endpoint(Scheme, Address, [.. list]);
    }

    /// <summary>Writes the endpoint in the form <see cref="Parse"/> reads.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(Scheme.Length + Address.Length + 16);
        sb.Append(Scheme).Append("://").Append(Address);
        for (int i = 0; i < _query.Length; i++)
        {
            sb.Append(i == 0 ? '?' : '&')
              .Append(Uri.EscapeDataString(_query[i].Key))
              .Append('=')
              .Append(Uri.EscapeDataString(_query[i].Value));
        }

        return sb.ToString();
    }

    /// <inheritdoc/>
    public bool Equals(Endpoint? other) => other is not null && ToString() == other.ToString();

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Endpoint);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToString());

    private static bool IsValidScheme(string scheme) =>
        scheme.Length > 0 && char.IsAsciiLetter(scheme[0]) &&
        scheme.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.');
}

/// <summary>Parses and formats byte sizes such as <c>64</c>, <c>1KiB</c>, <c>4MiB</c>, <c>1GiB</c> or <c>1TiB</c> (powers of 1024; <c>KB</c>, <c>MB</c> and <c>K</c>, <c>M</c> are read the same way).</summary>
public static class ByteSize
{
    /// <summary>Parses a size.</summary>
    /// <exception cref="FormatException">Not a size; the message shows accepted forms.</exception>
    public static long Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out long value)
            ? value
            : throw new FormatException($"'{text}' is not a size: write a number of bytes with an optional unit, e.g. 64, 1KiB, 64KiB, 1MiB.");
    }

    /// <summary>Parses a size, returning false when the text is not one.</summary>
    public static bool TryParse(string? text, out long value)
    {
        value = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        string t = text.Trim();
        int i = 0;
        while (i < t.Length && char.IsAsciiDigit(t[i]))
        {
            i++;
        }

        if (i == 0 || !long.TryParse(t.AsSpan(0, i), NumberStyles.None, CultureInfo.InvariantCulture, out long number))
        {
            return false;
        }

        long multiplier = t[i..].Trim().ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "K" or "KB" or "KIB" => 1L << 10,
            "M" or "MB" or "MIB" => 1L << 20,
            "G" or "GB" or "GIB" => 1L << 30,
            "T" or "TB" or "TIB" => 1L << 40,
            _ => 0,
        };
        if (multiplier == 0 || number > long.MaxValue / multiplier)
        {
            return false;
        }

        value = number * multiplier;
        return true;
    }

    /// <summary>Formats a size the short way: 64, 1KiB, 64KiB, 1MiB, or a plain number when not a whole unit.</summary>
    public static string Format(long bytes)
    {
        if (bytes >= 1L << 40 && bytes % (1L << 40) == 0) return (bytes >> 40).ToString(CultureInfo.InvariantCulture) + "TiB";
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) return (bytes >> 30).ToString(CultureInfo.InvariantCulture) + "GiB";
        if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) return (bytes >> 20).ToString(CultureInfo.InvariantCulture) + "MiB";
        if (bytes >= 1L << 10 && bytes % (1L << 10) == 0) return (bytes >> 10).ToString(CultureInfo.InvariantCulture) + "KiB";
        return bytes.ToString(CultureInfo.InvariantCulture);
    }
}
