using System.Text.Json;

namespace IpcKit.EndToEnd.Tests;

/// <summary>`ipckit bench --workers` and `--rate` (issue 15) as a user runs them: real coordinator, N real workers.</summary>
public sealed class ScalingTests
{
    /// <summary>Short cases: two trials of 100 ms each, 64-byte messages.</summary>
    private static readonly string[] Short = ["--reference", "none", "--sizes", "64", "--trials", "2", "--duration", "200ms", "--warmup", "200ms", "--format", "json"];

    [Fact]
    public async Task Pairs_run_four_workers_at_once_and_report_each_connection_and_the_oversubscription()
    {
        await using var run = IpcKitProcess.Start(["bench", "-t", "unix,mmf", "--workers", "1,4", "--shape", "pairs", "-w", "throughput", .. Short]);
        await run.WaitForStderrAsync("pairs ×4");
        Assert.True(run.Workers().Count >= 4, "four pairs should have four workers running at once");
        Assert.Equal(0, await run.WaitForExitAsync());

        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement;
        Assert.Equal([1, 4], root.GetProperty("settings").GetProperty("workers").EnumerateArray().Select(w => w.GetInt32()));
        var results = root.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(4, results.Count);
        foreach (var r in results)
        {
            int workers = r.GetProperty("workers").GetInt32();
            Assert.Equal("pairs", r.GetProperty("shape").GetString());
            AssertIntact(r);
            var connections = r.GetProperty("connections").EnumerateArray().ToList();
            Assert.Equal(workers, connections.Count);
            Assert.All(connections, c => Assert.True(c.GetProperty("operations").GetInt64() > 0, "a connection carried nothing"));
            Assert.All(connections, c => Assert.True(c.GetProperty("latency").GetProperty("p99Ns").GetInt64() > 0));
            // The aggregate is the connections' sum.
            Assert.Equal(r.GetProperty("operations").GetInt64(), connections.Sum(c => c.GetProperty("operations").GetInt64()));
        }

        Assert.Equal(JsonValueKind.Array, root.GetProperty("scaling").ValueKind);
        await run.AssertNothingLeftAsync();
    }

    [Fact]
    public async Task Fan_in_drains_every_worker_into_one_consumer_in_processes_and_threads()
    {
        await using var run = IpcKitProcess.Start(["bench", "-t", "unix,mmf,thread", "--workers", "3", "--shape", "fan-in", .. Short]);
        await run.WaitForStderrAsync("unix: throughput, 64, fan-in ×3");
        Assert.True(run.Workers().Count >= 3, "three workers should stream at once");
        Assert.Equal(0, await run.WaitForExitAsync());

        using var json = JsonDocument.Parse(run.Stdout);
        var results = json.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["unix", "mmf", "thread"], results.Select(r => r.GetProperty("transport").GetString()));
        foreach (var r in results)
        {
            Assert.Equal("throughput", r.GetProperty("workload").GetString());
            Assert.Equal("fan-in", r.GetProperty("shape").GetString());
            AssertIntact(r);
            Assert.Equal(3, r.GetProperty("connections").GetArrayLength());
        }

        await run.AssertNothingLeftAsync();
    }

    [Fact]
    public async Task Fan_out_feeds_every_worker_from_one_producer_for_each_N()
    {
        await using var run = IpcKitProcess.Start(["bench", "-t", "unix,mmf", "--workers", "1,2", "--shape", "fan-out", .. Short]);
        await run.WaitForStderrAsync("mmf: throughput, 64, fan-out ×2");
        Assert.True(run.Workers().Count >= 2, "two workers should take the stream at once");
        Assert.Equal(0, await run.WaitForExitAsync());

        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement;
        Assert.Equal("fan-out", root.GetProperty("settings").GetProperty("shape").GetString());
        var results = root.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([("unix", 1), ("unix", 2), ("mmf", 1), ("mmf", 2)], results.Select(r => (r.GetProperty("transport").GetString(), r.GetProperty("workers").GetInt32())));
        foreach (var r in results)
        {
            Assert.Equal("throughput", r.GetProperty("workload").GetString());
            Assert.Equal("fan-out", r.GetProperty("shape").GetString());
            AssertIntact(r);
            var connections = r.GetProperty("connections").EnumerateArray().ToList();
            Assert.Equal(r.GetProperty("workers").GetInt32(), connections.Count);
            Assert.All(connections, c => Assert.True(c.GetProperty("latency").GetProperty("p99Ns").GetInt64() > 0, "a connection has no send times"));
            // One producer sends every sink the same bursts: the connections' counts are equal and add up to the whole.
            Assert.Single(connections.Select(c => c.GetProperty("operations").GetInt64()).Distinct());
            Assert.Equal(r.GetProperty("operations").GetInt64(), connections.Sum(c => c.GetProperty("operations").GetInt64()));
            var workerCpu = r.GetProperty("cpu").GetProperty("worker");
            Assert.True(workerCpu.GetProperty("userMs").GetDouble() + workerCpu.GetProperty("systemMs").GetDouble() > 0, "the workers' CPU time is missing");
        }

        await run.AssertNothingLeftAsync();
    }

    [Theory]
    [InlineData("fan-out")]
    [InlineData("fan-in")]
    public async Task With_iterations_fan_out_and_fan_in_move_the_count_asked_for_split_evenly(string shape)
    {
        // 1000 over 2 trials is 500 per trial; over 3 workers, 167 each: 501 per trial, not a whole 256-message burst each.
        await using var run = IpcKitProcess.Start(
            ["bench", "-t", "unix", "--workers", "3", "--shape", shape, "--iterations", "1000", "--reference", "none", "--sizes", "64", "--trials", "2", "--warmup", "100ms", "-f", "json"]);
        Assert.Equal(0, await run.WaitForExitAsync());

        using var json = JsonDocument.Parse(run.Stdout);
        var r = json.RootElement.GetProperty("results")[0];
        AssertIntact(r);
        Assert.Equal(2 * 501, r.GetProperty("integrity").GetProperty("sent").GetInt64());
        Assert.All(r.GetProperty("trials").EnumerateArray(), t => Assert.Equal(501, t.GetProperty("operations").GetInt64()));
        await run.AssertNothingLeftAsync();
    }

    [Theory]
    [InlineData("fan-out")]
    [InlineData("fan-in")]
    public async Task A_worker_killed_mid_case_fails_the_case_naming_that_worker_and_its_signal(string shape)
    {
        await using var run = IpcKitProcess.Start(
            ["bench", "-t", "unix", "--workers", "2", "--shape", shape, "--reference", "none", "--sizes", "64", "--trials", "1", "--duration", "60s", "-f", "json"]);
        await run.WaitForStderrAsync($"unix: throughput, 64, {shape} ×2");
        var workers = run.Workers();
        Assert.Equal(2, workers.Count);
        using (var victim = System.Diagnostics.Process.GetProcessById(workers[1]))
        {
            victim.Kill();
        }

        Assert.Equal(3, await run.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        using var json = JsonDocument.Parse(run.Stdout);
        string error = json.RootElement.GetProperty("results")[0].GetProperty("error").GetString()!;
        // The dead worker, not a live one's "transport failed": a peer set waits for the dead peer to be reaped.
        Assert.Contains($"(pid {workers[1]}) died during the run", error, StringComparison.Ordinal);
        Assert.Contains("SIGKILL", error, StringComparison.Ordinal);
        await run.AssertNothingLeftAsync();
    }

    [Fact]
    public async Task Fan_in_over_anonymous_pipes_is_refused_with_the_reason()
    {
        var (code, _, stderr) = await IpcKitProcess.RunAsync("bench", "-t", "unix,anon-pipe", "--workers", "2", "--shape", "fan-in");
        Assert.Equal(2, code);
        Assert.Contains("anon-pipe", stderr, StringComparison.Ordinal);
        Assert.Contains("pairs only", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_open_loop_run_reports_each_offered_rate_with_the_achieved_rate_and_p99_99()
    {
        await using var run = IpcKitProcess.Start(["bench", "-t", "unix,tcp", "--rate", "2k,10k", .. Short]);
        Assert.Equal(0, await run.WaitForExitAsync());
        run.Workers();

        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement;
        var results = root.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(4, results.Count);
        foreach (var r in results)
        {
            Assert.Equal("latency", r.GetProperty("workload").GetString());
            Assert.Contains(r.GetProperty("offeredRate").GetDouble(), new[] { 2000.0, 10000.0 });
            AssertIntact(r);
            var latency = r.GetProperty("latency");
            Assert.InRange(latency.GetProperty("p999Ns").GetInt64(), latency.GetProperty("p99Ns").GetInt64(), latency.GetProperty("p9999Ns").GetInt64());
            Assert.True(r.GetProperty("saturated").ValueKind is JsonValueKind.True or JsonValueKind.False);
        }

        var saturation = root.GetProperty("saturation").EnumerateArray().ToList();
        Assert.Equal(["unix", "tcp"], saturation.Select(s => s.GetProperty("transport").GetString()));
        await run.AssertNothingLeftAsync();
    }

    private static void AssertIntact(JsonElement r)
    {
        var integrity = r.GetProperty("integrity");
        Assert.True(r.GetProperty("operations").GetInt64() > 0);
        Assert.True(r.GetProperty("messagesPerSecond").GetDouble() > 0);
        Assert.Equal(0, integrity.GetProperty("lost").GetInt64());
        Assert.Equal(0, integrity.GetProperty("corrupted").GetInt64());
        Assert.Equal(integrity.GetProperty("sent").GetInt64(), integrity.GetProperty("received").GetInt64());
    }
}
