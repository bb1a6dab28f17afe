using System.Globalization;
using IpcKit.Coordinator.Workloads;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Commands;

/// <summary>Turns option text into values, with messages that say what would have been accepted.</summary>
internal static class OptionParsing
{
    /// <summary>True when a comma list names <c>all</c>.</summary>
    public static bool MeansAll(string text) => List(text).Any(n => n.Equals("all", StringComparison.OrdinalIgnoreCase));

    public static IReadOnlyList<ITransport> Transports(string text, TransportRegistry registry)
    {
        if (MeansAll(text))
        {
            return registry.Transports;
        }

        var result = new List<ITransport>();
        foreach (string name in List(text))
        {
            if (!registry.TryGet(name, out var transport))
            {
                throw new UsageException($"Unknown transport '{name}'. Valid transports: {string.Join(", ", registry.Transports.Select(t => t.Scheme))}, or all. `ipckit list` describes them.");
            }

            if (!result.Contains(transport))
            {
                result.Add(transport);
            }
        }

        return result.Count > 0 ? result : throw new UsageException("--transport needs at least one transport name.");
    }

    private static readonly string[] ReferenceOrder = ["thread", "native"];

    /// <summary>--reference: a comma list of thread and native, or none; in a fixed order (thread, native).</summary>
    public static IReadOnlyList<string> References(string text)
    {
        var names = List(text).Select(n => n.ToLowerInvariant()).Distinct().ToList();
        foreach (string name in names.Where(n => n is not ("thread" or "native" or "none")))
        {
            throw new UsageException($"Unknown --reference '{name}'. Valid: thread, native, a comma list of both, or none.");
        }

        if (names.Contains("none") && names.Count > 1)
        {
            throw new UsageException("--reference none cannot be combined with another reference.");
        }

        return [.. ReferenceOrder.Where(names.Contains)];
    }

    /// <summary>--columns: null for the compact set; ["all"]; or the named columns, each checked.</summary>
    public static IReadOnlyList<string>? Columns(string? text)
    {
        if (text is null || text.Trim().Equals("compact", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var names = List(text).Select(n => n.ToLowerInvariant()).Where(n => n is not ("transport" or "size")).Distinct().ToList();
        if (names.Contains("all"))
        {
            return ["all"];
        }

        foreach (string name in names.Where(n => !Exporters.ResultTable.Keys.Contains(n)))
        {
            throw new UsageException($"Unknown column '{name}' in --columns. Valid: compact, all, or a comma list of {string.Join(", ", Exporters.ResultTable.Keys)}.");
        }

        return names;
    }

    public static IReadOnlyList<Workload> Workloads(string text)
    {
        var names = List(text);
        if (names.Any(n => n.Equals("all", StringComparison.OrdinalIgnoreCase)))
        {
            return Workload.All;
        }

        return [.. names.Distinct(StringComparer.OrdinalIgnoreCase).Select(name =>
            Workload.All.FirstOrDefault(w => w.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            ?? throw new UsageException($"Unknown workload '{name}'. Valid workloads: {string.Join(", ", Workload.All.Select(w => w.Name))}, or all."))];
    }

    public static IReadOnlyList<int> Sizes(string text)
    {
        var sizes = new List<int>();
        foreach (string part in List(text))
        {
            if (!TryParseSignedSize(part, out long size))
            {
                throw new UsageException($"'{part}' in --sizes is not a size: write e.g. 64,1KiB,64KiB,1MiB.");
            }

            if (size < Protocol.MessageStamp.HeaderSize || size > 64L << 20)
            {
                throw new UsageException($"Message size {part} is out of range: each message carries a {Protocol.MessageStamp.HeaderSize}-byte sequence number and checksum, so sizes run from {Protocol.MessageStamp.HeaderSize} bytes to 64MiB.");
            }

            sizes.Add((int)size);
        }

        return sizes.Count > 0 ? [.. sizes.Distinct()] : throw new UsageException("--sizes needs at least one size.");
    }

    /// <summary>Parses --capacity: a power of two from 4 KiB to 1 GiB (the range the native twin also accepts).</summary>
    public static long Capacity(string text)
    {
        if (!TryParseSignedSize(text, out long capacity))
        {
            throw new UsageException($"'{text}' in --capacity is not a size: write e.g. 1MiB or 8MiB.");
        }

        if (capacity < 4096 || capacity > 1L << 30 || (capacity & (capacity - 1)) != 0)
        {
            throw new UsageException($"--capacity {text} is not a power of two from 4KiB to 1GiB.");
        }

        return capacity;
    }

    /// <summary>Parses a duration that must be more than zero (--duration, --case-timeout): 250ms, 1s, 1.5s, 2m.</summary>
    public static TimeSpan PositiveDuration(string text, string option)
    {
        var duration = SignedDuration(text, option);
        return duration > TimeSpan.Zero ? duration : throw new UsageException($"{option} must be positive, not '{text}': write e.g. 500ms, 1s or 2m.");
    }

    /// <summary>Parses a duration that may be zero (--warmup): 0, 250ms, 1s, 1.5s, 2m; a bare number is seconds.</summary>
    public static TimeSpan Duration(string text, string option)
    {
        var duration = SignedDuration(text, option);
        return duration >= TimeSpan.Zero ? duration : throw new UsageException($"{option} cannot be negative, not '{text}': write e.g. 0, 500ms or 1s.");
    }

    /// <summary>Parses a duration up to a day, with its sign, so that a negative one is refused for what it is.</summary>
    private static TimeSpan SignedDuration(string text, string option)
    {
        string t = text.Trim().ToLowerInvariant();
        (string number, double scale) = t.EndsWith("ms", StringComparison.Ordinal) ? (t[..^2], 1e-3)
            : t.EndsWith('s') ? (t[..^1], 1.0)
            : t.EndsWith('m') ? (t[..^1], 60.0)
            : (t, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
        {
            throw new UsageException($"'{text}' is not a duration for {option}: write e.g. 500ms, 1s or 2m.");
        }

        if (Math.Abs(value * scale) > 86400)
        {
            throw new UsageException($"{option} {text} is longer than the 24 hours IpcKit accepts.");
        }

        return TimeSpan.FromSeconds(value * scale);
    }

    /// <summary>Parses a size such as 64 or 1KiB, keeping a leading minus so that range checks can refuse it as out of range.</summary>
    private static bool TryParseSignedSize(string text, out long size)
    {
        string t = text.Trim();
        bool negative = t.StartsWith('-');
        if (!ByteSize.TryParse(negative ? t[1..] : t, out size))
        {
            return false;
        }

        size = negative ? -size : size;
        return true;
    }

    public static IReadOnlyList<int> Cpus(string text)
    {
        var cpus = new List<int>();
        foreach (string part in List(text))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int cpu))
            {
                throw new UsageException($"'{part}' in --cpus is not a CPU number.");
            }

            cpus.Add(cpu);
        }

        return cpus;
    }

    /// <summary>Parses --workers: a comma list of worker counts from 1 to <see cref="MaxWorkers"/>.</summary>
    public static IReadOnlyList<int> Workers(string text)
    {
        var counts = new List<int>();
        foreach (string part in List(text))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1 || n > MaxWorkers)
            {
                throw new UsageException($"'{part}' in --workers is not a worker count from 1 to {MaxWorkers}: write e.g. 1,2,4,8.");
            }

            counts.Add(n);
        }

        return counts.Count > 0 ? [.. counts.Distinct()] : throw new UsageException("--workers needs at least one worker count, e.g. 1,2,4.");
    }

    /// <summary>The most workers one case may start (each is a process with its own connection).</summary>
    public const int MaxWorkers = 64;

    /// <summary>The offered rates of --rate sweep: from an idle link to well past what any transport here sustains.</summary>
    public static readonly IReadOnlyList<double> SweepRates = [5e3, 10e3, 20e3, 50e3, 100e3, 200e3, 500e3, 1e6];

    /// <summary>Parses --rate: a comma list of messages per second (10k, 2.5k, 1M), or sweep.</summary>
    public static IReadOnlyList<double> Rates(string text)
    {
        if (text.Trim().Equals("sweep", StringComparison.OrdinalIgnoreCase))
        {
            return SweepRates;
        }

        var rates = new List<double>();
        foreach (string part in List(text))
        {
            string t = part.ToLowerInvariant();
            (string number, double scale) = t.EndsWith('k') ? (t[..^1], 1e3) : t.EndsWith('m') ? (t[..^1], 1e6) : (t, 1.0);
            if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || double.IsNaN(value)
                || value * scale < 1 || value * scale > 100e6)
            {
                throw new UsageException($"'{part}' in --rate is not a rate from 1 to 100M messages per second: write e.g. 10k,100k,1M, or sweep.");
            }

            rates.Add(value * scale);
        }

        return rates.Count > 0 ? [.. rates.Distinct().Order()] : throw new UsageException("--rate needs at least one rate, e.g. 10k,100k, or sweep.");
    }

    private static List<string> List(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
