using System.Text.Json;

namespace IpcKit.EndToEnd.Tests;

/// <summary>`ipckit bench` as a user runs it: real coordinator, real workers, real OS objects.</summary>
public sealed class BenchTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ipckit-e2e-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task I_can_run_a_quick_bench_of_every_stream_transport_to_a_json_file()
    {
        string output = Path.Combine(_dir, "r.json");
        await using var run = IpcKitProcess.Start(["bench", "--reference", "none", "--transport", "pipe,anon-pipe,unix,tcp", "--quick", "--format", "json", "--output", output]);
        Assert.Equal(0, await run.WaitForExitAsync());
        run.Workers();

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(output));
        var root = json.RootElement;
        Assert.Equal(2, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(7, root.GetProperty("settings").GetProperty("trials").GetInt32());
        var env = root.GetProperty("environment");
        foreach (string key in new[] { "cpuModel", "cores", "os", "dotNet" })
        {
            Assert.True(env.TryGetProperty(key, out _), $"environment.{key} is missing");
        }

        var results = root.GetProperty("results").EnumerateArray().ToList();
        foreach (string transport in new[] { "pipe", "anon-pipe", "unix", "tcp" })
        {
            foreach (string workload in new[] { "latency", "throughput" })
            {
                var mine = results.Where(r => r.GetProperty("transport").GetString() == transport && r.GetProperty("workload").GetString() == workload).ToList();
                Assert.True(mine.Count > 0, $"no {workload} result for {transport}");
                foreach (var r in mine)
                {
                    var integrity = r.GetProperty("integrity");
                    Assert.Equal(0, integrity.GetProperty("lost").GetInt64());
                    Assert.Equal(0, integrity.GetProperty("corrupted").GetInt64());
                    Assert.Equal(integrity.GetProperty("sent").GetInt64(), integrity.GetProperty("received").GetInt64());
                    Assert.True(r.GetProperty("operations").GetInt64() > 0);
                    var latency = r.GetProperty("latency");
                    long p50 = latency.GetProperty("p50Ns").GetInt64();
                    Assert.InRange(p50, 1, latency.GetProperty("p99Ns").GetInt64());
                    Assert.True(latency.GetProperty("p999Ns").GetInt64() <= latency.GetProperty("maxNs").GetInt64());
                    Assert.True(r.GetProperty("messagesPerSecond").GetDouble() > 0);
                    Assert.True(r.GetProperty("bytesPerSecond").GetDouble() > 0);
                    Assert.Equal("split", r.GetProperty("pin").GetString()); // the default placement on a machine with two CPUs
                    var trials = r.GetProperty("trials").EnumerateArray().ToList();
                    Assert.Equal(7, trials.Count);
                    Assert.Equal(r.GetProperty("operations").GetInt64(), trials.Sum(t => t.GetProperty("operations").GetInt64()));
                    var p50s = trials.Select(t => t.GetProperty("latency").GetProperty("p50Ns").GetDouble()).ToList();
                    var estimate = r.GetProperty("p50");
                    Assert.Equal(p50s.Min(), estimate.GetProperty("min").GetDouble());
                    Assert.Equal(p50s.Max(), estimate.GetProperty("max").GetDouble());
                    Assert.InRange(estimate.GetProperty("median").GetDouble(), p50s.Min(), p50s.Max());
                    Assert.True(estimate.GetProperty("ciLow").GetDouble() <= estimate.GetProperty("ciHigh").GetDouble());
                    Assert.All(trials, t => Assert.True(t.GetProperty("warmupSeconds").GetDouble() > 0));
                    foreach (var side in new[] { "coordinator", "worker" })
                    {
                        var cpu = r.GetProperty("cpu").GetProperty(side);
                        Assert.True(cpu.GetProperty("voluntaryContextSwitches").GetInt64() >= 0, $"{side} voluntary switches < 0");
                        Assert.True(cpu.GetProperty("involuntaryContextSwitches").GetInt64() >= 0, $"{side} involuntary switches < 0");
                        Assert.True(cpu.GetProperty("userMs").GetDouble() >= 0 && cpu.GetProperty("systemMs").GetDouble() >= 0, $"{side} CPU time < 0");
                    }
                }
            }
        }

        await run.AssertNothingLeftAsync();
    }

    [Fact]
    public async Task The_request_workload_carries_typed_orders_without_loss()
    {
        await using var run = IpcKitProcess.Start(["bench", "--reference", "none", "--transport", "unix", "--workload", "request", "--quick", "--trials", "3", "--format", "json"]);
        Assert.Equal(0, await run.WaitForExitAsync());
        using var json = JsonDocument.Parse(run.Stdout);
        var result = Assert.Single(json.RootElement.GetProperty("results").EnumerateArray());
        Assert.Equal("request", result.GetProperty("workload").GetString());
        Assert.True(result.GetProperty("operations").GetInt64() > 0);
        Assert.Equal(0, result.GetProperty("integrity").GetProperty("lost").GetInt64());
        Assert.Equal(0, result.GetProperty("integrity").GetProperty("corrupted").GetInt64());
        Assert.True(result.GetProperty("bytesPerSecond").GetDouble() > 0);

        // Each trial also timed the codec alone, and the case gives the median over the trials.
        var trials = result.GetProperty("trials").EnumerateArray().ToList();
        Assert.Equal(3, trials.Count);
        Assert.All(trials, t => Assert.True(t.GetProperty("codecNs").GetDouble() > 0));
        double codec = result.GetProperty("codec").GetProperty("median").GetDouble();
        Assert.InRange(codec, trials.Min(t => t.GetProperty("codecNs").GetDouble()), trials.Max(t => t.GetProperty("codecNs").GetDouble()));
        await run.AssertNothingLeftAsync();
    }

    [Fact]
    public async Task The_ring_size_and_wait_reach_both_ring_transports_and_the_report()
    {
        // 1 MiB messages through an 8 MiB ring travel whole and are received in place.
        await using var run = IpcKitProcess.Start(["bench", "--reference", "none", "--transport", "mmf,thread", "--workload", "throughput", "--sizes", "1MiB", "--capacity", "8MiB", "--wait", "block", "--quick", "--trials", "3", "--format", "json"]);
        Assert.Equal(0, await run.WaitForExitAsync());
        using var json = JsonDocument.Parse(run.Stdout);
        var settings = json.RootElement.GetProperty("settings");
        Assert.Equal(8L << 20, settings.GetProperty("ringCapacity").GetInt64());
        Assert.Equal("block", settings.GetProperty("wait").GetString());
        var results = json.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["mmf", "thread"], results.Select(r => r.GetProperty("transport").GetString()));
        foreach (var result in results)
        {
            Assert.True(result.GetProperty("operations").GetInt64() > 0);
            Assert.Equal(0, result.GetProperty("integrity").GetProperty("lost").GetInt64());
            Assert.Equal(0, result.GetProperty("integrity").GetProperty("corrupted").GetInt64());
        }

        await run.AssertNothingLeftAsync();
    }

    [Fact]
    public async Task Zero_copy_streams_arrive_intact_through_a_ring_sized_from_the_largest_message_and_the_twin_does_the_same()
    {
        await using var run = IpcKitProcess.Start(["bench", "--transport", "mmf,thread", "--workload", "throughput", "--sizes", "64,1MiB", "--zero-copy", "--reference", "native", "--quick", "--format", "json"]);
        Assert.Equal(0, await run.WaitForExitAsync());
        using var json = JsonDocument.Parse(run.Stdout);
        var settings = json.RootElement.GetProperty("settings");
        Assert.True(settings.GetProperty("zeroCopy").GetBoolean());
        Assert.Equal(8L << 20, settings.GetProperty("ringCapacity").GetInt64()); // 1 MiB messages travel whole
        var results = json.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(4, results.Count);
        foreach (var result in results)
        {
            Assert.True(result.GetProperty("operations").GetInt64() > 0);
            Assert.Equal(0, result.GetProperty("integrity").GetProperty("lost").GetInt64());
            Assert.Equal(0, result.GetProperty("integrity").GetProperty("corrupted").GetInt64());
        }

        // The twin (ipckit-native futex --zero-copy) ran and lost nothing: its ratio is there.
        Assert.All(results.Where(r => r.GetProperty("transport").GetString() == "mmf"),
            r => Assert.True(r.GetProperty("reference").GetProperty("ratio").GetProperty("median").GetDouble() > 0));
        await run.AssertNothingLeftAsync();
    }

    [Fact]
    public async Task A_small_mmf_round_trip_on_two_CPUs_is_set_against_the_flag_and_the_slot_measured_by_the_native_twin()
    {
        string output = Path.Combine(_dir, "floors.json");
        await using var run = IpcKitProcess.Start(["bench", "--transport", "mmf", "--workload", "latency", "--sizes", "64", "--pin", "split", "--reference", "native",
            "--iterations", "4000", "--trials", "2", "--warmup", "100ms", "--format", "json", "--output", output]);
        Assert.Equal(0, await run.WaitForExitAsync());
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(output));
        Assert.Equal("split", json.RootElement.GetProperty("settings").GetProperty("pin").GetString());
        var mmf = json.RootElement.GetProperty("results").EnumerateArray().Single(r => r.GetProperty("transport").GetString() == "mmf");
        foreach (var (field, mechanism) in new[] { ("floor", "shm-flag"), ("slotFloor", "shm-slot") })
        {
            var floor = mmf.GetProperty(field);
            Assert.Equal(mechanism, floor.GetProperty("mechanism").GetString());
            Assert.False(floor.TryGetProperty("error", out var error), $"{field}: {error}");
            Assert.True(floor.GetProperty("ratio").GetProperty("median").GetDouble() > 0);
            Assert.Equal(2, floor.GetProperty("ratio").GetProperty("trials").GetInt32());
        }

        await run.AssertNothingLeftAsync();

        // The verdict of that result, as the table shows it, names both floors.
        var (code, table, stderr) = await IpcKitProcess.RunAsync("report", output);
        Assert.True(code == 0, stderr);
        Assert.Matches(@"mmf \d+\.\d+× the flag ping-pong \([^)]+\), \d+\.\d+× a one-slot mailbox carrying 64 B \([^)]+\)", table);
    }

    [Fact]
    public async Task The_table_shows_latency_and_throughput_rows_and_the_pinning()
    {
        await using var run = IpcKitProcess.Start(["bench", "--transport", "pipe", "--quick", "--trials", "3", "--pin", "same"]);
        Assert.Equal(0, await run.WaitForExitAsync());
        Assert.Contains("latency", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("throughput", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("pin: same", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("│ pipe", run.Stdout, StringComparison.Ordinal);
        // The quick start answers "compared to what?": pipe next to its in-process baseline, with a verdict.
        Assert.Contains("│ thread", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("Verdict: which transport?", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("in-process baseline, what threads sharing memory pay: thread", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("docs/choosing-a-transport.md", run.Stdout, StringComparison.Ordinal);
        await run.AssertNothingLeftAsync();
    }

    [Fact]
    public async Task An_unknown_transport_is_refused_with_the_valid_names()
    {
        var (code, stdout, stderr) = await IpcKitProcess.RunAsync("bench", "--transport", "pigeon");
        Assert.Equal(2, code);
        Assert.Contains("Unknown transport 'pigeon'", stderr, StringComparison.Ordinal);
        foreach (string name in new[] { "pipe", "anon-pipe", "unix", "tcp" })
        {
            Assert.Contains(name, stderr, StringComparison.Ordinal);
        }

        Assert.Equal("", stdout.Trim());
    }

    [Theory]
    [InlineData("--sizes", "12")]
    [InlineData("--sizes", "lots")]
    [InlineData("--duration", "soon")]
    [InlineData("--pin", "left")]
    [InlineData("--workload", "sprint")]
    [InlineData("--format", "xml")]
    [InlineData("--no-such-option", "1")]
    [InlineData("--capacity", "3000")]
    [InlineData("--capacity", "2GiB")]
    [InlineData("--capacity", "lots")]
    public async Task Bad_arguments_exit_with_code_2_and_say_why(string option, string value)
    {
        var (code, _, stderr) = await IpcKitProcess.RunAsync("bench", "--transport", "pipe", option, value);
        Assert.Equal(2, code);
        Assert.Contains("error", stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_worker_killed_mid_run_gives_a_clear_error_and_a_nonzero_exit()
    {
        await using var run = IpcKitProcess.Start(["bench", "--reference", "none", "--transport", "unix", "--workload", "latency", "--sizes", "64", "--duration", "60s", "--progress", "json"]);
        await WaitForTrialAsync(run, "unix", "latency", 64);
        int worker = Assert.Single(run.Workers());

        Assert.Equal(0, Kill(worker, 9));

        Assert.Equal(3, await run.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("worker", run.Stdout + run.Stderr, StringComparison.Ordinal);
        Assert.Contains("SIGKILL", run.Stdout + run.Stderr, StringComparison.Ordinal);
        await run.AssertNothingLeftAsync();
    }

    [Fact]
    public async Task A_worker_that_fails_to_start_is_reported_with_its_stderr()
    {
        await using var run = IpcKitProcess.Start(
            ["bench", "--reference", "none", "--transport", "tcp", "--workload", "latency", "--sizes", "64", "--quick"],
            new Dictionary<string, string> { ["IPCKIT_WORKER_FAULT"] = "fail-start" });
        Assert.Equal(3, await run.WaitForExitAsync());
        string all = run.Stdout + run.Stderr;
        Assert.Contains("The tcp worker failed to start", all, StringComparison.Ordinal);
        Assert.Contains("simulated start failure", all, StringComparison.Ordinal);
        await run.AssertNothingLeftAsync();
    }

    [Fact]
    public async Task A_hung_worker_is_killed_after_the_case_timeout()
    {
        await using var run = IpcKitProcess.Start(
            ["bench", "--reference", "none", "--transport", "pipe", "--workload", "latency", "--sizes", "64", "--duration", "60s", "--case-timeout", "3s", "--progress", "json"],
            new Dictionary<string, string> { ["IPCKIT_WORKER_FAULT"] = "hang" });
        await WaitForTrialAsync(run, "pipe", "latency", 64);
        run.Workers();
        Assert.Equal(3, await run.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("hung", run.Stdout + run.Stderr, StringComparison.Ordinal);
        await run.AssertNothingLeftAsync();
    }

    [Fact]
    public async Task Ctrl_C_stops_the_workers_and_removes_the_files()
    {
        await using var run = IpcKitProcess.Start(["bench", "--reference", "none", "--transport", "pipe", "--workload", "throughput", "--sizes", "1KiB", "--duration", "60s", "--progress", "json"]);
        await WaitForTrialAsync(run, "pipe", "throughput", 1024);
        run.Workers();

        run.Signal(2); // SIGINT, what Ctrl+C sends

        Assert.Equal(130, await run.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        await run.AssertNothingLeftAsync();
    }

    [Fact]
    public async Task A_worker_exits_by_itself_when_its_coordinator_is_killed_and_the_next_run_sweeps_the_leftovers()
    {
        // A TMPDIR of this test's own: any ipckit run sweeps the dead runs it finds in its TMPDIR, and a run of another
        // test starting in between would sweep these leftovers before the run this test starts for it.
        string temp = Directory.CreateTempSubdirectory("ipckit-sweep-test-").FullName;
        try
        {
            await KillAndSweepAsync(temp);
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    private static async Task KillAndSweepAsync(string temp)
    {
        var environment = new Dictionary<string, string> { ["TMPDIR"] = temp };
        int coordinator;
        int worker;
        await using (var run = IpcKitProcess.Start(["bench", "--reference", "none", "--transport", "pipe", "--workload", "latency", "--sizes", "64", "--duration", "60s", "--progress", "json"], environment))
        {
            await WaitForTrialAsync(run, "pipe", "latency", 64);
            worker = Assert.Single(run.Workers());
            coordinator = run.Pid;
            run.Signal(9);
            await run.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.True(await IpcKitProcess.WaitForPidExitAsync(worker, TimeSpan.FromSeconds(10)), "the orphaned worker kept running");
        Assert.NotEmpty(IpcKitProcess.LeftoversOf(coordinator, temp)); // SIGKILL leaves the scratch directory and pipe file

        await using var next = IpcKitProcess.Start(["bench", "--reference", "none", "--transport", "tcp", "--workload", "latency", "--sizes", "64", "--iterations", "100"], environment);
        Assert.Equal(0, await next.WaitForExitAsync());
        Assert.Contains("left by an ipckit run that no longer exists", next.Stderr, StringComparison.Ordinal);
        Assert.Empty(IpcKitProcess.LeftoversOf(coordinator, temp));
    }

    /// <summary>
    /// Waits for the runner's typed event saying a trial of this case started (--progress json writes each event as
    /// one JSON object per line, its fields in a fixed order: docs/json-schema.md, "Progress events").
    /// </summary>
    private static Task WaitForTrialAsync(IpcKitProcess run, string transport, string workload, int size) =>
        run.WaitForStderrAsync($$"""{"event":"trialStarted","transport":"{{transport}}","workload":"{{workload}}","size":{{size}},""");

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
}
