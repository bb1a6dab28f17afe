namespace IpcKit.EndToEnd.Tests;

/// <summary>The reproductions of issue 12's coordinator findings, as a user meets them.</summary>
public sealed class HardeningTests
{
    /// <summary>A pid no process can have (above the kernel's largest pid_max, 2^22), so a "run" with it is dead.</summary>
    private const int DeadPid = 999_999_990;

    [Fact]
    public async Task The_stale_run_sweep_leaves_user_directories_files_and_links_named_like_a_run_alone()
    {
        SortedDictionary<string, string> before = [];
        await using var drill = DrillRun.Start("tcp", ["bench", "--reference", "none", "--transport", "tcp", "--workload", "latency", "--sizes", "64", "--duration", "100ms"], prepare: temp =>
        {
            string At(string name) => Path.Combine(temp, name);
            Directory.CreateDirectory(At("user/sub"));
            File.WriteAllText(At("user/sub/data.csv"), "x\n");
            foreach (string name in new[] { "ipckit-2024-results", $"ipckit-{DeadPid}-results", $"ipckit-{DeadPid + 1}-0123abcd" })
            {
                Directory.CreateDirectory(At($"{name}/sub"));
                File.WriteAllText(At($"{name}/sub/data.csv"), "x\n");
            }

            File.WriteAllText(At("ipckit-27294-regularfile"), "keep");
            File.WriteAllText(At($"ipckit-{DeadPid}-regularfile"), "keep");
            File.CreateSymbolicLink(At($"ipckit-{DeadPid + 2}-link"), At("user"));
            File.CreateSymbolicLink(At($"ipckit-{DeadPid + 3}-0123abcd"), At("user"));
            before = Snapshot(temp);
        });

        Assert.Equal(0, await drill.Process.WaitForExitAsync());

        Assert.DoesNotContain("removed", drill.Process.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(drill.TempDirectory));
    }

    [Theory]
    [InlineData("--output", "/nonexistent/dir/r.json", "cannot write --output: the directory /nonexistent/dir does not exist")]
    [InlineData("--output", "/proc", "cannot write --output: /proc is a directory")]
    [InlineData("--output", "/proc/self/r.json", "cannot write --output: cannot create files in /proc/self")]
    [InlineData("--output-dir", "/proc/self/out/report", "cannot write --output-dir: cannot create files in /proc/self")]
    [InlineData("--output-dir", "/proc/self/status/report", "cannot write --output-dir: /proc/self/status is a file")]
    public async Task An_output_that_cannot_be_written_is_refused_before_anything_is_measured_with_exit_code_6(string option, string path, string message)
    {
        await using var run = IpcKitProcess.Start(["bench", "--reference", "none", "--transport", "tcp", "--workload", "latency", "--sizes", "64", "--duration", "100ms", option, path]);

        Assert.Equal(6, await run.WaitForExitAsync());

        Assert.Contains($"error: {message}", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("Nothing was measured.", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("│ tcp", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("starting a worker", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--case-timeout", "0s", "--case-timeout must be positive")]
    [InlineData("--case-timeout", "-5s", "--case-timeout must be positive")]
    [InlineData("--duration", "-1s", "--duration must be positive")]
    [InlineData("--duration", "0", "--duration must be positive")]
    [InlineData("--warmup", "-1s", "--warmup cannot be negative")]
    [InlineData("--duration", "25h", "is not a duration")]
    [InlineData("--duration", "2000m", "longer than the 24 hours")]
    [InlineData("--sizes", "-64", "Message size -64 is out of range")]
    [InlineData("--capacity", "-4KiB", "--capacity -4KiB is not a power of two")]
    public async Task A_duration_or_size_out_of_range_is_refused_at_once_with_exit_code_2_and_the_reason(string option, string value, string message)
    {
        var (code, stdout, stderr) = await IpcKitProcess.RunAsync("bench", "--transport", "tcp", option, value);

        Assert.Equal(2, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.Equal("", stdout.Trim());
    }

    /// <summary>Every entry under a directory, links as links, with each regular file's text.</summary>
    private static SortedDictionary<string, string> Snapshot(string directory)
    {
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var pending = new Stack<string>([directory]);
        while (pending.TryPop(out string? dir))
        {
            foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos())
            {
                string key = Path.GetRelativePath(directory, entry.FullName);
                entries[key] = entry.LinkTarget is { } target ? $"-> {target}" : entry is FileInfo file ? File.ReadAllText(file.FullName) : "dir";
                if (entry is DirectoryInfo && entry.LinkTarget is null)
                {
                    pending.Push(entry.FullName);
                }
            }
        }

        return entries;
    }
}
