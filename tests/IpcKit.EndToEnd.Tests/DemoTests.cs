using System.Text.Json;

namespace IpcKit.EndToEnd.Tests;

/// <summary>`ipckit demo` as a user runs it: the real coordinator, its real workers, JSON on stdout.</summary>
public sealed class DemoTests
{
    private static readonly string[] AllDemos =
    [
        "isolation", "race", "switch", "starvation", "deadlock", "parallel", "gil", "lightweight", "workstealing", "timeslice", "livelock",
        "reordering", "atomicity", "leak", "channel",
    ];

    [Fact]
    public async Task I_can_list_the_demos_with_one_line_each()
    {
        var (code, stdout, _) = await IpcKitProcess.RunAsync("demo");

        Assert.Equal(0, code);
        foreach (string name in AllDemos.Append("all"))
        {
            Assert.Single(stdout.Split('\n'), line => line.TrimStart().StartsWith(name + " ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task I_can_see_the_demos_in_ipckit_list()
    {
        var (code, stdout, _) = await IpcKitProcess.RunAsync("list");

        Assert.Equal(0, code);
        foreach (string name in AllDemos)
        {
            Assert.Contains(stdout.Split('\n'), line => line.TrimStart().StartsWith(name + " ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task I_can_run_every_demo_with_demo_all_and_get_each_claim_and_verdict_as_json()
    {
        await using var run = IpcKitProcess.Start(["demo", "all", "--format", "json"]);
        int code = await run.WaitForExitAsync(TimeSpan.FromSeconds(120));
        Assert.True(code == 0, $"exit code {code}; stderr:\n{run.Stderr}");

        using var json = JsonDocument.Parse(run.Stdout);
        var demos = json.RootElement.GetProperty("demos").EnumerateArray().ToList();
        Assert.Equal(AllDemos, demos.Select(d => d.GetProperty("demo").GetString()));
        foreach (var demo in demos)
        {
            string name = demo.GetProperty("demo").GetString()!;
            Assert.False(string.IsNullOrWhiteSpace(demo.GetProperty("claim").GetString()), name);
            Assert.StartsWith(demo.GetProperty("held").GetBoolean() ? "Held" : "Did not", demo.GetProperty("verdict").GetString(), StringComparison.Ordinal);
            Assert.Equal(JsonValueKind.Object, demo.GetProperty("figures").ValueKind);
            Assert.True(demo.GetProperty("seconds").GetDouble() > 0, name);
        }

        Assert.Equal(demos.Count, json.RootElement.GetProperty("count").GetInt32());
        Assert.Equal(demos.Count(d => d.GetProperty("held").GetBoolean()), json.RootElement.GetProperty("held").GetInt32());
        Assert.Empty(IpcKitProcess.LeftoversOf(run.Pid));
    }

    [Fact]
    public async Task An_unknown_demo_is_a_usage_error_that_names_the_valid_ones()
    {
        var (code, _, stderr) = await IpcKitProcess.RunAsync("demo", "nope");

        Assert.Equal(2, code);
        Assert.Contains("isolation, race, switch, starvation, deadlock", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_isolation_demo_shows_a_process_keeping_its_copy_until_the_value_crosses_a_socket()
    {
        var (figures, pid) = await RunJsonAsync("isolation");

        Assert.Equal(2, figures.GetProperty("threadAfter").GetInt64());
        Assert.Equal(1, figures.GetProperty("processAfter").GetInt64());
        Assert.Equal(2, figures.GetProperty("processAfterTransport").GetInt64());
        Assert.Empty(IpcKitProcess.LeftoversOf(pid));
    }

    [Fact]
    public async Task The_race_demo_loses_nothing_with_Interlocked_lock_or_processes()
    {
        var (figures, _) = await RunJsonAsync("race");

        foreach (string variant in new[] { "baseline", "interlocked", "lock", "processes" })
        {
            Assert.Equal(0, figures.GetProperty(variant).GetProperty("lost").GetInt64());
        }

        Assert.True(figures.GetProperty("unsynchronized").GetProperty("lost").GetInt64() >= 0);
    }

    [Fact]
    public async Task The_switch_demo_reports_a_positive_price_for_every_switch_it_measured()
    {
        var (figures, pid) = await RunJsonAsync("switch");

        int measured = 0;
        foreach (var row in figures.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Object))
        {
            if (row.Value.TryGetProperty("skipped", out _))
            {
                continue;
            }

            measured++;
            Assert.True(row.Value.GetProperty("nsPerSwitch").GetDouble() > 0, row.Name);
            Assert.True(row.Value.GetProperty("roundTrips").GetInt64() > 0, row.Name);
        }

        Assert.True(measured >= 3, $"only {measured} rows measured");
        Assert.True(figures.GetProperty("processesPipeOneCpu").GetProperty("voluntaryPerRoundTrip").GetDouble() >= 1);
        Assert.Empty(IpcKitProcess.LeftoversOf(pid));
    }

    [Fact]
    public async Task The_starvation_demo_shows_no_tick_behind_a_computation_that_never_awaits()
    {
        var (figures, _) = await RunJsonAsync("starvation");

        var blocking = figures.GetProperty("blocking");
        Assert.Equal(0, blocking.GetProperty("ticksDuring").GetInt32());
        Assert.True(blocking.GetProperty("worstGapMs").GetDouble() >= blocking.GetProperty("computationMs").GetDouble());
    }

    [Fact]
    public async Task The_deadlock_demo_detects_the_deadlock_and_exits()
    {
        var (figures, _) = await RunJsonAsync("deadlock");

        Assert.True(figures.GetProperty("deadlockDetected").GetBoolean());
        Assert.True(figures.GetProperty("brokenByTimeout").GetBoolean());
        Assert.True(figures.GetProperty("orderedCompleted").GetBoolean());
    }

    /// <summary>Runs `ipckit demo NAME --format json` (within the process deadline) and checks the envelope every demo shares.</summary>
    private static async Task<(JsonElement Figures, int Pid)> RunJsonAsync(string name)
    {
        await using var run = IpcKitProcess.Start(["demo", name, "--format", "json"]);
        int code = await run.WaitForExitAsync();
        Assert.True(code == 0, $"exit code {code}; stderr:\n{run.Stderr}");

        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement.Clone();
        Assert.Equal(name, root.GetProperty("demo").GetString());
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("claim").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("verdict").GetString()));
        Assert.Contains(root.GetProperty("held").ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });
        return (root.GetProperty("figures"), run.Pid);
    }
}
