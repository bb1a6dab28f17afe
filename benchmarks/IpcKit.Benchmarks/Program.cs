using BenchmarkDotNet.Running;

namespace IpcKit.Benchmarks;

/// <summary>
/// Runs the benchmarks chosen on the command line, e.g. <c>--filter *Order* --job short</c>; or, with <c>--cpu-time</c>,
/// a quick measurement in thread CPU time, which stays meaningful on a machine too loaded for wall-clock figures.
/// </summary>
public static class Program
{
    /// <summary>The entry point.</summary>
    public static void Main(string[] args)
    {
        if (args is ["--cpu-time", ..])
        {
            CpuTimeRun.Run();
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
