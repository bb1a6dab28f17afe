using System.Text.Json;

namespace IpcKit.EndToEnd.Tests;

/// <summary>
/// The warm-up before a trial (docs/statistics.md): the first case on a peer that was just started warms up for at least
/// 500 ms, since none of its code has run yet; with the 150 ms every trial gets, that first trial of mmf and thread round
/// trips ran at half speed in every run. These check the policy (how long the warm-up ran, as the results record it),
/// not any speed.
/// </summary>
public sealed class WarmupTests : IDisposable
{
    private const double FreshPeerMinimumSeconds = 0.5;

    private readonly string _dir = Directory.CreateTempSubdirectory("ipckit-e2e-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_first_case_on_a_new_worker_warms_up_for_at_least_half_a_second()
    {
        var results = await BenchAsync("--transport", "unix,thread", "--workload", "latency", "--sizes", "64,1KiB");
        foreach (string transport in new[] { "unix", "thread" })
        {
            // The worker (or in-process peer) starts in trial 1 and serves both sizes in every trial: only the first
            // size's first trial runs on code that has never run.
            var first = Trials(results, transport, 64);
            Assert.True(first[0] >= FreshPeerMinimumSeconds, $"{transport}: the first trial warmed up for {first[0]:F3} s");
        }
    }

    [Fact]
    public async Task A_spinning_ring_gets_a_new_worker_and_so_the_long_warm_up_in_every_trial()
    {
        // With --wait spin a ring's worker would burn a CPU between trials, so each trial starts a new one.
        var results = await BenchAsync("--transport", "mmf", "--workload", "latency", "--sizes", "64", "--wait", "spin", "--pin", "split");
        var warmups = Trials(results, "mmf", 64);
        Assert.All(warmups, w => Assert.True(w >= FreshPeerMinimumSeconds, $"a trial on a new worker warmed up for {w:F3} s"));
    }

    private async Task<List<JsonElement>> BenchAsync(params string[] options)
    {
        string output = Path.Combine(_dir, "r.json");
        await using var run = IpcKitProcess.Start(
            ["bench", "--reference", "none", "--trials", "2", "--duration", "100ms", "--warmup", "2s", "--format", "json", "--output", output, .. options]);
        Assert.Equal(0, await run.WaitForExitAsync());
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(output));
        return [.. json.RootElement.GetProperty("results").EnumerateArray().Select(r => r.Clone())];
    }

    /// <summary>The warm-up seconds of each trial of one case, in trial order.</summary>
    private static List<double> Trials(List<JsonElement> results, string transport, int size)
    {
        var result = results.Single(r => r.GetProperty("transport").GetString() == transport && r.GetProperty("messageSize").GetInt32() == size);
        return [.. result.GetProperty("trials").EnumerateArray().Select(t => t.GetProperty("warmupSeconds").GetDouble())];
    }
}
