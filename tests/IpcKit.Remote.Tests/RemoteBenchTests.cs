using System.Text.Json;

namespace IpcKit.Remote.Tests;

/// <summary>
/// `ipckit bench --remote` across a network namespace of the test's own (docs/remote.md): through `ip netns exec` and
/// through a real sshd inside the namespace. The coordinator is the real ipckit; the remote side runs the same binary
/// as `ipckit worker`.
/// </summary>
public sealed class RemoteBenchTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(90);

    [NamespaceFact]
    public async Task A_quick_bench_through_ip_netns_exec_crosses_the_link_without_loss()
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        long before = ns.HostReceivedBytes();
        await using var run = IpcKitProcess.Start(["bench", "-t", "tcp", "--remote", ns.ExecTarget, "--quick", "-f", "json"]);
        await ExpectExitAsync(run, 0);

        using var json = JsonDocument.Parse(run.Stdout);
        AssertNothingLost(json, expectedCases: 4);
        var remote = json.RootElement.GetProperty("remote");
        Assert.Equal(ns.ExecTarget, remote.GetProperty("target").GetString());
        Assert.Equal(ns.HostAddress, remote.GetProperty("dataAddress").GetString());
        Assert.True(remote.GetProperty("environment").GetProperty("cores").GetInt32() > 0);
        // The worker echoes every 64 KiB latency message back: megabytes must have come in over the veth.
        Assert.True(ns.HostReceivedBytes() - before > 1 << 20, "less than 1 MiB came back over the veth link");
        Assert.Empty(await ns.PidsAsync());
    }

    [Fact]
    public async Task A_remote_side_that_shares_this_machines_network_is_reached_over_loopback_without_root()
    {
        // `env` runs its arguments right here: a "remote" with this machine's addresses, as a host-network container has.
        await using var run = IpcKitProcess.Start(["bench", "-t", "tcp", "--remote", "exec:env", "-w", "latency", "--sizes", "64", "--quick", "-f", "json", "--trials", "1"]);
        await ExpectExitAsync(run, 0);

        using var json = JsonDocument.Parse(run.Stdout);
        AssertNothingLost(json, expectedCases: 1);
        Assert.Equal("127.0.0.1", json.RootElement.GetProperty("remote").GetProperty("dataAddress").GetString());
        Assert.Contains("shares this machine's network", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fixed_port_from_remote_bind_serves_each_worker_in_turn()
    {
        // For a firewall with one port open: both workloads' workers connect to the same port, one after the other.
        int port = FreeLoopbackPort();
        await using var run = IpcKitProcess.Start(["bench", "-t", "tcp", "--remote", "exec:env", "--remote-bind", $"127.0.0.1:{port}", "--sizes", "64", "--quick", "-f", "json", "--trials", "1"]);
        await ExpectExitAsync(run, 0);
        using var json = JsonDocument.Parse(run.Stdout);
        AssertNothingLost(json, expectedCases: 2);
        Assert.Equal($"127.0.0.1:{port}", json.RootElement.GetProperty("remote").GetProperty("dataAddress").GetString());
    }

    [Fact]
    public async Task The_table_names_the_host_the_workers_ran_on()
    {
        await using var run = IpcKitProcess.Start(["bench", "-t", "tcp", "--remote", "exec:env", "-w", "latency", "--sizes", "64", "--quick", "--trials", "1"]);
        await ExpectExitAsync(run, 0);
        Assert.Contains("workers on exec:env: ipckit ", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Remote_takes_only_tcp_and_a_well_formed_target()
    {
        var (code, _, stderr) = await IpcKitProcess.RunAsync("bench", "-t", "unix", "--remote", "exec:env");
        Assert.Equal(2, code);
        Assert.Contains("--remote measures TCP between hosts", stderr, StringComparison.Ordinal);
        (code, _, stderr) = await IpcKitProcess.RunAsync("bench", "-t", "tcp", "--remote", "db1");
        Assert.Equal(2, code);
        Assert.Contains("neither ssh://", stderr, StringComparison.Ordinal);
        (code, _, stderr) = await IpcKitProcess.RunAsync("bench", "-t", "tcp", "--remote-bind", "10.0.0.1");
        Assert.Equal(2, code);
        Assert.Contains("go with --remote", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_remote_tool_gives_an_error_naming_both_tries_and_the_way_out()
    {
        var (code, _, stderr) = await IpcKitProcess.RunAsync("bench", "-t", "tcp", "--remote", "exec:env", "--remote-ipckit", "/nonexistent/ipckit");
        Assert.Equal(3, code);
        Assert.Contains("Cannot start ipckit on exec:env", stderr, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/ipckit", stderr, StringComparison.Ordinal);
        Assert.Contains("--remote-ipckit", stderr, StringComparison.Ordinal);
    }

    [NamespaceFact]
    public async Task A_quick_bench_through_ssh_to_an_sshd_in_the_namespace_works()
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        await using var sshd = await Sshd.StartAsync(ns);
        await using var run = IpcKitProcess.Start(["bench", "-t", "tcp", "--remote", $"ssh://root@{ns.InnerAddress}", "--quick", "-f", "json"], sshd.Environment);
        await ExpectExitAsync(run, 0);

        using var json = JsonDocument.Parse(run.Stdout);
        AssertNothingLost(json, expectedCases: 4);
        var remote = json.RootElement.GetProperty("remote");
        Assert.Equal($"ssh://root@{ns.InnerAddress}", remote.GetProperty("target").GetString());
        Assert.Equal(ns.HostAddress, remote.GetProperty("dataAddress").GetString());
        Assert.True(remote.GetProperty("environment").TryGetProperty("kernel", out _));
    }

    [NamespaceTheory]
    [InlineData("exec")]
    [InlineData("ssh")]
    public async Task Round_trips_over_a_link_delayed_200us_each_way_take_at_least_400us(string engine)
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        await using var link = await DelayedLink.CreateAsync(ns, TimeSpan.FromMicroseconds(200));
        await using var sshd = engine == "ssh" ? await Sshd.StartAsync(link.Far) : null;
        string target = sshd is null ? link.Far.ExecTarget : $"ssh://root@{link.Far.InnerAddress}";
        await using var run = IpcKitProcess.Start(
            ["bench", "-t", "tcp", "--remote", target, "-w", "latency", "--sizes", "64", "--quick", "-f", "json", "--trials", "1"], sshd?.Environment);
        await ExpectExitAsync(run, 0);

        using var json = JsonDocument.Parse(run.Stdout);
        AssertNothingLost(json, expectedCases: 1);
        var latency = json.RootElement.GetProperty("results")[0].GetProperty("latency");
        long min = latency.GetProperty("minNs").GetInt64();
        output.WriteLine($"{engine}, {link.How}: round trip min {min} ns, p50 {latency.GetProperty("p50Ns").GetInt64()} ns, p99 {latency.GetProperty("p99Ns").GetInt64()} ns");
        Assert.True(min >= 400_000, $"the fastest round trip took {min} ns over a link delayed 200 us each way ({link.How})");
    }

    [NamespaceFact]
    public async Task Over_a_link_that_drops_frames_TCP_retransmits_and_no_message_is_lost()
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        await using var link = await DelayedLink.CreateAsync(ns, TimeSpan.FromMicroseconds(50), loss: 0.02);
        await using var run = IpcKitProcess.Start(["bench", "-t", "tcp", "--remote", link.Far.ExecTarget, "--quick", "-f", "json", "--trials", "1"]);
        await ExpectExitAsync(run, 0);
        using var json = JsonDocument.Parse(run.Stdout);
        AssertNothingLost(json, expectedCases: 4);
        Assert.True(link.Dropped is null or > 0, $"the link dropped nothing ({link.How})");
    }

    [NamespaceTheory]
    [InlineData("exec")]
    [InlineData("ssh")]
    public async Task After_kill_9_of_the_coordinator_the_remote_worker_is_gone_within_2_s(string engine)
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        await using var sshd = engine == "ssh" ? await Sshd.StartAsync(ns) : null;
        string target = sshd is null ? ns.ExecTarget : $"ssh://root@{ns.InnerAddress}";
        await using var run = IpcKitProcess.Start(
            ["bench", "-t", "tcp", "--remote", target, "-w", "latency", "--sizes", "64", "--duration", "60s", "-f", "json"], sshd?.Environment);
        await run.WaitForStderrAsync("tcp: latency, 64");

        var inside = (await ns.PidsAsync()).Where(p => p != sshd?.Pid).ToList();
        var workers = inside.Where(p => File.ReadAllText($"/proc/{p}/cmdline").Contains("worker", StringComparison.Ordinal)).ToList();
        Assert.Single(workers);

        run.Signal(9);
        var killed = System.Diagnostics.Stopwatch.StartNew();
        if (!await IpcKitProcess.WaitForPidExitAsync(workers[0], TimeSpan.FromSeconds(2)))
        {
            string states = string.Join("\n", inside.Select(p => $"{p}: {Describe(p)}"));
            bool late = await IpcKitProcess.WaitForPidExitAsync(workers[0], TimeSpan.FromSeconds(15));
            Assert.Fail($"the remote worker {workers[0]} outlived its coordinator by 2 s ({(late ? $"gone after {killed.ElapsedMilliseconds} ms" : "still there after 17 s")}); at 2 s:\n{states}");
        }

        foreach (int pid in inside)
        {
            Assert.True(await IpcKitProcess.WaitForPidExitAsync(pid, TimeSpan.FromSeconds(10)), $"process {pid} in the namespace outlived the run");
        }
    }

    [NamespaceFact]
    public async Task Connections_with_a_wrong_cookie_or_garbage_are_dropped_and_the_run_still_completes()
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        // The worker knocks with a wrong cookie and with garbage first, and fails unless the coordinator drops both.
        await using var run = IpcKitProcess.Start(
            ["bench", "-t", "tcp", "--remote", ns.ExecTarget, "-w", "latency", "--sizes", "64", "--quick", "-f", "json", "--trials", "1"],
            new Dictionary<string, string> { ["IPCKIT_WORKER_FAULT"] = "intrude" });
        await ExpectExitAsync(run, 0);

        using var json = JsonDocument.Parse(run.Stdout);
        AssertNothingLost(json, expectedCases: 1);
        Assert.Contains("presented a wrong cookie", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("sent bytes that are not a cookie", run.Stderr, StringComparison.Ordinal);
    }

    [NamespaceTheory]
    [InlineData("refused", "Connection refused")]
    [InlineData("unreachable", "No route to host")]
    [InlineData("wrong-user", "Permission denied")]
    public async Task A_failing_ssh_gives_a_clear_error_that_quotes_its_stderr(string failure, string quoted)
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        await using var sshd = await Sshd.StartAsync(ns);
        string target = failure switch
        {
            "refused" => $"ssh://root@{ns.InnerAddress}:2",
            "unreachable" => $"ssh://root@{ns.UnusedAddress}",
            _ => $"ssh://nobody@{ns.InnerAddress}",
        };
        await using var run = IpcKitProcess.Start(["bench", "-t", "tcp", "--remote", target, "--quick"], sshd.Environment);
        await ExpectExitAsync(run, 3);
        Assert.Contains($"Cannot start ipckit on {target}", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("ssh exited with code 255", run.Stderr, StringComparison.Ordinal);
        Assert.Contains(quoted, run.Stderr, StringComparison.Ordinal);
    }

    [NamespaceFact]
    public async Task A_link_that_drops_mid_case_ends_the_run_with_an_error_in_bounded_time()
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        await using var sshd = await Sshd.StartAsync(ns);
        await using var run = IpcKitProcess.Start(
            ["bench", "-t", "tcp", "--remote", $"ssh://root@{ns.InnerAddress}", "-w", "latency", "--sizes", "64", "--duration", "60s", "-f", "json"], sshd.Environment);
        await run.WaitForStderrAsync("tcp: latency, 64");
        await ns.CutAsync();

        // ssh's keepalives (every 2 s, 5 missed) notice the dead link well before the 60 s case would end.
        Assert.Equal(3, await run.WaitForExitAsync(TimeSpan.FromSeconds(40)));
        using var json = JsonDocument.Parse(run.Stdout);
        string error = json.RootElement.GetProperty("results")[0].GetProperty("error").GetString()!;
        Assert.Contains($"worker on ssh://root@{ns.InnerAddress}", error, StringComparison.Ordinal);
        Assert.Contains("not responding", error, StringComparison.Ordinal);
    }

    private static string Describe(int pid)
    {
        try
        {
            return $"{File.ReadAllText($"/proc/{pid}/stat")} wchan={File.ReadAllText($"/proc/{pid}/wchan")} {File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ')}";
        }
        catch (IOException)
        {
            return "gone";
        }
    }

    /// <summary>A loopback port that was free a moment ago (the kernel's choice for port 0).</summary>
    internal static int FreeLoopbackPort()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }

    internal static async Task ExpectExitAsync(IpcKitProcess run, int expected)
    {
        int code = await run.WaitForExitAsync(RunTimeout);
        Assert.True(code == expected, $"ipckit exited with {code}, not {expected}.\nstdout:\n{run.Stdout}\nstderr:\n{run.Stderr}");
    }

    internal static void AssertNothingLost(JsonDocument json, int expectedCases)
    {
        var results = json.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(expectedCases, results.Count);
        foreach (var r in results)
        {
            Assert.False(r.TryGetProperty("error", out var e), $"a case failed: {e}");
            var integrity = r.GetProperty("integrity");
            Assert.Equal(0, integrity.GetProperty("lost").GetInt64());
            Assert.Equal(0, integrity.GetProperty("corrupted").GetInt64());
            Assert.Equal(integrity.GetProperty("sent").GetInt64(), integrity.GetProperty("received").GetInt64());
            Assert.True(r.GetProperty("operations").GetInt64() > 0);
        }
    }
}
