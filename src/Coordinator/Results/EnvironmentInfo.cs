using System.Globalization;
using System.Runtime.InteropServices;

namespace IpcKit.Coordinator.Results;

/// <summary>Where a result was measured. Figures only compare within one environment, and best within one run.</summary>
internal sealed record EnvironmentInfo
{
    public required string CpuModel { get; init; }

    public required int Cores { get; init; }

    public required IReadOnlyList<int> AllowedCpus { get; init; }

    public required string Os { get; init; }

    public required string Kernel { get; init; }

    public required string DotNet { get; init; }

    public required string IpcKitVersion { get; init; }

    public required string Machine { get; init; }

    /// <summary>The 1-minute load average when the run started: a busy machine makes every figure worse.</summary>
    public double LoadAverage { get; init; }

    public required DateTimeOffset StartedUtc { get; init; }

    /// <summary>True when the CPU says it runs under a hypervisor (the <c>hypervisor</c> flag); null when unknown.</summary>
    public bool? Virtualized { get; init; }

    /// <summary>How an idle CPU sleeps, which sets what waking a thread on it costs; null where the kernel does not say.</summary>
    public CpuIdleInfo? CpuIdle { get; init; }

    public static EnvironmentInfo Capture() => new()
    {
        CpuModel = ReadCpuModel(),
        Cores = Environment.ProcessorCount,
        AllowedCpus = Protocol.Affinity.AllowedCpus(),
        Os = RuntimeInformation.OSDescription,
        Kernel = ReadFirstLine("/proc/sys/kernel/osrelease") ?? "unknown",
        DotNet = RuntimeInformation.FrameworkDescription,
        IpcKitVersion = typeof(EnvironmentInfo).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
        Machine = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(),
        LoadAverage = double.TryParse(ReadFirstLine("/proc/loadavg")?.Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double load) ? load : -1,
        StartedUtc = DateTimeOffset.UtcNow,
        Virtualized = ReadVirtualized(),
        CpuIdle = CpuIdleInfo.Read(),
    };

    private static bool? ReadVirtualized()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("flags", StringComparison.Ordinal))
                {
                    return line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("hypervisor");
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }

    private static string ReadCpuModel()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal))
                {
                    return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }

        return "unknown";
    }

    internal static string? ReadFirstLine(string path)
    {
        try
        {
            return File.ReadLines(path).FirstOrDefault()?.Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
