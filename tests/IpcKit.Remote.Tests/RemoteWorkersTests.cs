using System.Text.Json;

namespace IpcKit.Remote.Tests;

/// <summary>
/// `ipckit bench --remote … --workers` (issues 15 and 16 together): every worker of a many-worker case starts through
/// the remote engine, in a network namespace of the test's own, and its data connection crosses the veth link.
/// </summary>
public sealed class RemoteWorkersTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>Bytes that must cross the link in the direction the data flows: local workers would send none over it.</summary>
    private const long Crossed = 1 << 20;

    [NamespaceTheory]
    [InlineData("pairs")]
    [InlineData("fan-in")]
    [InlineData("fan-out")]
    public async Task Many_workers_run_inside_the_namespace_and_their_data_crosses_the_link_without_loss(string shape)
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        long received = ns.HostReceivedBytes(), sent = ns.HostSentBytes();
        // 64 KiB messages, so that what crosses the link is far above anything else on it; two trials, so that the two
        // workers of N = 2 are still there after the first trial's progress line.
        string[] workload = shape == "pairs" ? ["-w", "latency"] : [];
        await using var run = IpcKitProcess.Start(
            ["bench", "-t", "tcp", "--remote", ns.ExecTarget, "--workers", "1,2", "--shape", shape, .. workload, "--sizes", "64KiB",
             "--trials", "2", "--duration", "200ms", "--warmup", "100ms", "-f", "json"]);
        await run.WaitForStderrAsync($"{shape} ×2 (trial 1)");

        // `ip netns exec` execs the worker: ipckit's children are the workers themselves, and they live in the namespace.
        var children = run.Workers();
        var inside = await ns.PidsAsync();
        Assert.True(children.Count >= 2, $"ipckit should have two workers running at once; it has {children.Count} children");
        Assert.All(children, pid => Assert.Contains(pid, inside));
        await RemoteBenchTests.ExpectExitAsync(run, 0);

        using var json = JsonDocument.Parse(run.Stdout);
        RemoteBenchTests.AssertNothingLost(json, expectedCases: 2);
        foreach (var r in json.RootElement.GetProperty("results").EnumerateArray())
        {
            Assert.Equal(shape, r.GetProperty("shape").GetString());
            var connections = r.GetProperty("connections").EnumerateArray().ToList();
            Assert.Equal(r.GetProperty("workers").GetInt32(), connections.Count);
            Assert.All(connections, c => Assert.True(c.GetProperty("operations").GetInt64() > 0, "a connection carried nothing"));
        }

        Assert.Equal(ns.HostAddress, json.RootElement.GetProperty("remote").GetProperty("dataAddress").GetString());
        long came = ns.HostReceivedBytes() - received, went = ns.HostSentBytes() - sent;
        output.WriteLine($"{shape}: {came} bytes in and {went} bytes out over the veth link");
        // Pairs echo every message back, fan-in streams towards this machine, fan-out away from it.
        Assert.True(shape == "fan-out" || came > Crossed, $"only {came} bytes came in over the veth link");
        Assert.True(shape == "fan-in" || went > Crossed, $"only {went} bytes went out over the veth link");

        Assert.Empty(await ns.PidsAsync());
        await run.AssertNothingLeftAsync();
    }

    [Fact]
    public async Task Fan_in_workers_take_turns_on_the_fixed_port_of_remote_bind()
    {
        // Each remote worker gets a cookie listener of its own, which closes once the worker is in: one open port serves them all.
        int port = RemoteBenchTests.FreeLoopbackPort();
        await using var run = IpcKitProcess.Start(
            ["bench", "-t", "tcp", "--remote", "exec:env", "--remote-bind", $"127.0.0.1:{port}", "--workers", "2", "--shape", "fan-in", "--sizes", "64",
             "--trials", "2", "--duration", "6s", "--warmup", "100ms", "-f", "json"]);
        // Each trial measures for 3 s, so both workers still run when their children are read just after the line
        // (with 100 ms trials they had sometimes finished already: "it has 1 children").
        await run.WaitForStderrAsync("fan-in ×2 (trial 1)");
        // Through exec:env each worker is this ipckit's own `ipckit worker`, not the local worker binary.
        var workers = run.Workers();
        Assert.True(workers.Count >= 2, $"ipckit should have two workers running at once; it has {workers.Count} children");
        Assert.All(workers, pid => Assert.EndsWith("\0worker\0", File.ReadAllText($"/proc/{pid}/cmdline"), StringComparison.Ordinal));
        await RemoteBenchTests.ExpectExitAsync(run, 0);

        using var json = JsonDocument.Parse(run.Stdout);
        RemoteBenchTests.AssertNothingLost(json, expectedCases: 1);
        Assert.Equal(2, json.RootElement.GetProperty("results")[0].GetProperty("connections").GetArrayLength());
        await run.AssertNothingLeftAsync();
    }
}
