using IpcKit.Transports.Internal.Rings;

namespace IpcKit.Transports.SharedMemory.Internal;

/// <summary>The options with the endpoint's query applied: what one listen or connect uses.</summary>
internal sealed record MmfSettings(string Name, long Capacity, RingWait Wait, string Directory, int MaxMessageSize, TimeSpan ConnectTimeout)
{
    public static MmfSettings From(Endpoint endpoint, MmfTransportOptions options, string scheme)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (endpoint.Scheme != scheme && endpoint.Scheme != "shm")
        {
            throw new ArgumentException($"The {scheme} transport cannot use the endpoint {endpoint}.", nameof(endpoint));
        }

        return new MmfSettings(
            CheckName(endpoint),
            ParseCapacity(endpoint, options.Capacity),
            ParseWait(endpoint, options.Wait),
            ParseDirectory(endpoint, options.Directory),
            options.MaxMessageSize,
            options.ConnectTimeout);
    }

    /// <summary>A name is also a file name: 1 to 200 of letters, digits, '-', '_' and '.', not starting with '.'.</summary>
    public static string CheckName(Endpoint endpoint)
    {
        string name = endpoint.Address;
        if (name.Length is 0 or > 200 || name[0] == '.' || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgumentException(
                $"The endpoint {endpoint} needs a name of 1 to 200 letters, digits, '-', '_' or '.', for example {endpoint.Scheme}://bench1.",
                nameof(endpoint));
        }

        return name;
    }

    public static long ParseCapacity(Endpoint endpoint, long fallback)
    {
        string? text = endpoint.GetQueryValue("capacity");
        if (text is null)
        {
            return fallback;
        }

        string? error = !ByteSize.TryParse(text, out long capacity) ? $"'{text}' is not a size" : RingLayout.CheckCapacity(capacity);
        if (error is not null)
        {
            throw new ArgumentException($"In {endpoint}: {error} (for example capacity=1MiB).", nameof(endpoint));
        }

        return capacity;
    }

    /// <summary>The <c>dir=</c> query: another tmpfs than /dev/shm, for example when that one is full or small.</summary>
    public static string ParseDirectory(Endpoint endpoint, string fallback)
    {
        string? dir = endpoint.GetQueryValue("dir");
        if (dir is null)
        {
            return fallback;
        }

        if (!Path.IsPathFullyQualified(dir) || !System.IO.Directory.Exists(dir))
        {
            throw new ArgumentException($"In {endpoint}: dir={dir} is not an existing directory given by its absolute path (for example dir=/dev/shm).", nameof(endpoint));
        }

        return dir;
    }

    public static RingWait ParseWait(Endpoint endpoint, RingWait fallback) => endpoint.GetQueryValue("wait")?.ToUpperInvariant() switch
    {
        null => fallback,
        "SPIN" => RingWait.Spin,
        "BACKOFF" => RingWait.Backoff,
        "BLOCK" => RingWait.Block,
        var other => throw new ArgumentException($"In {endpoint}: wait={other} is not a wait strategy; use spin, backoff or block.", nameof(endpoint)),
    };
}
