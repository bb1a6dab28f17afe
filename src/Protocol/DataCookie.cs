using System.Security.Cryptography;
using IpcKit.Transports;

namespace IpcKit.Protocol;

/// <summary>
/// The one-time secret that guards a data listener open to another host (issue 16, docs/remote.md). The coordinator
/// makes a fresh one for each listener and hands it to the worker inside the endpoint of the configure message, which
/// travels over the control channel (SSH, kubectl exec…); the worker presents it as the first message on the data
/// connection. A connection that presents anything else is dropped.
/// </summary>
public static class DataCookie
{
    /// <summary>The endpoint query parameter that carries the cookie to the worker, as lowercase hex.</summary>
    public const string QueryKey = "cookie";

    /// <summary>Bytes of randomness: 256 bits, as many as cannot be guessed within a case.</summary>
    public const int Length = 32;

    /// <summary>A fresh cookie from the system's cryptographic random source.</summary>
    public static byte[] Create() => RandomNumberGenerator.GetBytes(Length);

    /// <summary>The endpoint a worker should be handed: <paramref name="endpoint"/> with the cookie in its query.</summary>
    public static Endpoint AddTo(Endpoint endpoint, ReadOnlySpan<byte> cookie) =>
        endpoint.WithQueryValue(QueryKey, Convert.ToHexStringLower(cookie));

    /// <summary>
    /// Takes the cookie out of an endpoint a worker was handed: returns the endpoint to connect to (without it) and the
    /// cookie, or null when the endpoint carries none (a local run).
    /// </summary>
    /// <exception cref="FormatException">The cookie is not <see cref="Length"/> bytes of hex.</exception>
    public static (Endpoint Endpoint, byte[]? Cookie) TakeFrom(Endpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (endpoint.GetQueryValue(QueryKey) is not { } hex)
        {
            return (endpoint, null);
        }

        byte[] cookie = Convert.FromHexString(hex);
        if (cookie.Length != Length)
        {
            throw new FormatException($"The data cookie has {cookie.Length} bytes, not {Length}.");
        }

        var rest = endpoint.Query.Where(p => !string.Equals(p.Key, QueryKey, StringComparison.OrdinalIgnoreCase));
        return (Endpoint.Create(endpoint.Scheme, endpoint.Address, rest), cookie);
    }

    /// <summary>Whether a first message is the cookie, compared in constant time so its timing tells nothing.</summary>
    public static bool Matches(ReadOnlySpan<byte> presented, ReadOnlySpan<byte> cookie) =>
        presented.Length == cookie.Length && CryptographicOperations.FixedTimeEquals(presented, cookie);
}
