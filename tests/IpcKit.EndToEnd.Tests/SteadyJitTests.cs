namespace IpcKit.EndToEnd.Tests;

/// <summary>The workers run without the JIT's call-counting delay, so that a warm-up reaches optimized code (docs/statistics.md, "Steady state").</summary>
public sealed class SteadyJitTests
{
    [Fact]
    public async Task A_worker_is_started_without_the_call_counting_delay()
    {
        await using var drill = await DrillRun.StartCaseAsync("tcp");

        // The worker's environment as the kernel holds it: NUL-separated NAME=value entries.
        string[] environment = (await File.ReadAllTextAsync($"/proc/{drill.Worker}/environ")).Split('\0');
        Assert.Contains("DOTNET_TC_CallCountingDelayMs=0", environment);
    }
}
