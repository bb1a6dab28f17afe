using BenchmarkDotNet.Running;

namespace IpcKit.Benchmarks;

/// <summary>Runs the benchmarks chosen on the command line, e.g. <c>--filter *Order* --job short</c>.</summary>
public static class Program
{
    /// <summary>The entry point.</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
