using System.Text.Json;

namespace IpcKit.EndToEnd.Tests;

/// <summary>The framework peers (gRPC, StreamJsonRpc, NetMQ) in `ipckit bench`, each in its own real peer worker.</summary>
public sealed class PeerBenchTests
{
    [Fact]
    public async Task The_framework_peers_run_the_request_workload_beside_unix_with_their_cost_over_it()
    {
        await using var run = IpcKitProcess.Start(["bench", "--reference", "none", "-t", "unix,grpc-uds,jsonrpc-uds,grpc-tcp,netmq-tcp", "-w", "request", "--quick", "-f", "json"]);
        Assert.Equal(0, await run.WaitForExitAsync());
        using var json = JsonDocument.Parse(run.Stdout);
        int trials = json.RootElement.GetProperty("settings").GetProperty("trials").GetInt32();
        Assert.True(trials >= 3, $"{trials} trials");
        var results = json.RootElement.GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("transport").GetString()!);
        Assert.Equal(["unix", "grpc-uds", "jsonrpc-uds", "grpc-tcp", "netmq-tcp"], results.Keys);
        foreach (var (name, r) in results)
        {
            Assert.Equal("request", r.GetProperty("workload").GetString());
            Assert.True(r.GetProperty("operations").GetInt64() > 0, name);
            var integrity = r.GetProperty("integrity");
            Assert.Equal(0, integrity.GetProperty("lost").GetInt64());
            Assert.Equal(0, integrity.GetProperty("corrupted").GetInt64());
            Assert.Equal(r.GetProperty("operations").GetInt64(), integrity.GetProperty("received").GetInt64());
            if (name == "unix")
            {
                Assert.False(r.TryGetProperty("bare", out _));
                continue;
            }

            // Each peer is set against the bare transport of the same run (unix here, as tcp was not measured), trial by
            // trial of the same round: the ratio is the median of the per-round ratios.
            var bare = r.GetProperty("bare");
            Assert.Equal("unix", bare.GetProperty("transport").GetString());
            Assert.Equal((long)results["unix"].GetProperty("p50").GetProperty("median").GetDouble(), bare.GetProperty("p50Ns").GetInt64());
            var ratios = TrialP50s(r).Zip(TrialP50s(results["unix"]), (peer, unix) => peer / unix).Order().ToList();
            Assert.Equal(trials, ratios.Count); // the default trials each, also with --quick
            var ratio = bare.GetProperty("ratio");
            Assert.Equal(trials % 2 == 1 ? ratios[trials / 2] : (ratios[(trials / 2) - 1] + ratios[trials / 2]) / 2, ratio.GetProperty("median").GetDouble(), 6);
            Assert.Equal(trials, ratio.GetProperty("trials").GetInt32());
        }

        await run.AssertNothingLeftAsync();
    }

    private static IEnumerable<double> TrialP50s(JsonElement result) =>
        result.GetProperty("trials").EnumerateArray().OrderBy(t => t.GetProperty("trial").GetInt32())
            .Select(t => (double)t.GetProperty("latency").GetProperty("p50Ns").GetInt64());

    [Fact]
    public async Task The_table_sets_a_peer_against_its_bare_transport()
    {
        var (code, stdout, _) = await IpcKitProcess.RunAsync("bench", "--reference", "none", "-t", "unix,jsonrpc-uds", "-w", "request", "--quick");
        Assert.Equal(0, code);
        // The table may drop its reference column to fit 100 columns; the verdict names the peer's ratio over it.
        Assert.Contains(stdout.Split('\n'), l => l.Contains("jsonrpc-uds", StringComparison.Ordinal) && l.Contains("× bare unix", StringComparison.Ordinal) && l.Contains("against the bare transport", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_peer_named_without_the_request_workload_is_refused_with_the_reason()
    {
        var (code, _, stderr) = await IpcKitProcess.RunAsync("bench", "-t", "grpc-uds", "-w", "latency", "--quick");
        Assert.Equal(2, code);
        Assert.Contains("-w request", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_peer_named_with_several_workers_is_refused_with_the_reason()
    {
        var (code, _, stderr) = await IpcKitProcess.RunAsync("bench", "-t", "grpc-uds", "-w", "request", "--workers", "2", "--quick");
        Assert.Equal(2, code);
        Assert.Contains("framework peer", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_peer_worker_exits_by_itself_and_removes_its_socket_when_its_coordinator_is_killed()
    {
        await using var run = IpcKitProcess.Start(["bench", "-t", "grpc-uds", "-w", "request", "--duration", "60s", "--progress", "json"]);
        await run.WaitForStderrAsync("""{"event":"trialStarted","transport":"grpc-uds","workload":"request",""");
        int worker = Assert.Single(run.Workers());
        run.Signal(9);
        Assert.True(await IpcKitProcess.WaitForPidExitAsync(worker, TimeSpan.FromSeconds(15)), $"peer worker {worker} outlived its coordinator");

        // The killed coordinator's scratch directory stays, with its marker, for the next run to sweep; the socket in it
        // is gone already.
        await run.WaitForExitAsync();
        foreach (string left in IpcKitProcess.LeftoversOf(run.Pid))
        {
            Assert.Equal([".ipckit-run"], Directory.EnumerateFileSystemEntries(left).Select(Path.GetFileName));
            Directory.Delete(left, recursive: true);
        }
    }
}
