using System.Text.Json;
using System.Xml.Linq;

namespace IpcKit.EndToEnd.Tests;

/// <summary>`ipckit bench --reference native --output-dir`, `ipckit report` and `ipckit compare` on real runs.</summary>
public sealed class ReportTests : IDisposable
{
    private static readonly Dictionary<string, string> Twins = new() { ["pipe"] = "unix", ["unix"] = "unix", ["tcp"] = "tcp" };

    private readonly string _dir = Directory.CreateTempSubdirectory("ipckit-e2e-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_quick_bench_against_the_native_reference_writes_every_output_with_a_ratio_on_each_row()
    {
        string output = Path.Combine(_dir, "out");
        await using var run = IpcKitProcess.Start(["bench", "--transport", "pipe,unix,tcp", "--quick", "--trials", "3", "--reference", "native", "--output-dir", output]);
        Assert.Equal(0, await run.WaitForExitAsync(TimeSpan.FromMinutes(3)));
        run.Workers();

        foreach (string file in new[] { "results.json", "results.csv", "report.md", "report.html", "latency.svg", "throughput.svg", "ratio.svg" })
        {
            Assert.True(File.Exists(Path.Combine(output, file)), $"{file} was not written. stderr:\n{run.Stderr}");
        }

        foreach (string svg in Directory.GetFiles(output, "*.svg"))
        {
            XDocument.Parse(await File.ReadAllTextAsync(svg));
        }

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "results.json")));
        var root = json.RootElement;
        Assert.Equal("native", root.GetProperty("settings").GetProperty("reference").GetString());
        Assert.True(root.GetProperty("referenceRun").GetProperty("available").GetBoolean(), run.Stderr);
        var results = root.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(3 * 2 * 2, results.Count);
        foreach (var r in results)
        {
            string transport = r.GetProperty("transport").GetString()!;
            string what = $"{transport} {r.GetProperty("workload").GetString()} {r.GetProperty("messageSize").GetInt32()}";
            var reference = r.GetProperty("reference");
            Assert.Equal(Twins[transport], reference.GetProperty("mechanism").GetString());
            Assert.False(reference.TryGetProperty("error", out var error), $"{what}: the native twin failed: {error}");
            Assert.True(reference.GetProperty("ratio").GetProperty("median").GetDouble() > 0, $"{what} has no ratio to native");
            Assert.Equal(3, reference.GetProperty("ratio").GetProperty("trials").GetInt32());
            Assert.True(reference.GetProperty("p50Ns").GetInt64() > 0, what);
            Assert.True(reference.GetProperty("messagesPerSecond").GetDouble() > 0, what);
        }

        string markdown = await File.ReadAllTextAsync(Path.Combine(output, "report.md"));
        Assert.Contains("| native unix |", markdown, StringComparison.Ordinal);
        Assert.Contains("| native tcp |", markdown, StringComparison.Ordinal);
        Assert.Contains("native: unix latency, 64 (trial 3)", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("vs ref", run.Stdout, StringComparison.Ordinal);
        await run.AssertNothingLeftAsync();

        // The same result rendered again, and compared with itself: nothing changed, so the gate passes.
        string again = Path.Combine(_dir, "again");
        var (code, stdout, stderr) = await IpcKitProcess.RunAsync("report", Path.Combine(output, "results.json"), "--output-dir", again, "--format", "markdown");
        Assert.Equal(0, code);
        Assert.Equal(markdown, stdout);
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(output, "report.html")), await File.ReadAllTextAsync(Path.Combine(again, "report.html")));
        Assert.Contains("wrote ", stderr, StringComparison.Ordinal);

        (code, stdout, _) = await IpcKitProcess.RunAsync("compare", Path.Combine(output, "results.json"), Path.Combine(again, "results.json"), "--fail-on-regression", "25%");
        Assert.Equal(0, code);
        Assert.Contains("native unix", stdout, StringComparison.Ordinal);
        Assert.Contains("No result is significantly worse by more than 25%", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_C_compiler_the_run_goes_on_and_says_the_reference_is_missing()
    {
        // A PATH with a shell and what build.sh needs before it looks for a compiler, and no compiler.
        string bin = Directory.CreateDirectory(Path.Combine(_dir, "bin")).FullName;
        foreach (string tool in new[] { "bash", "dirname" })
        {
            string target = new[] { "/usr/bin", "/bin" }.Select(d => Path.Combine(d, tool)).First(File.Exists);
            File.CreateSymbolicLink(Path.Combine(bin, tool), target);
        }

        string output = Path.Combine(_dir, "out");
        await using var run = IpcKitProcess.Start(
            ["bench", "--transport", "tcp", "--workload", "latency", "--sizes", "64", "--iterations", "200", "--reference", "native", "--output-dir", output],
            new Dictionary<string, string> { ["PATH"] = bin, ["CC"] = "" });
        Assert.Equal(0, await run.WaitForExitAsync());
        Assert.Contains("reference is missing", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("no C compiler", run.Stdout, StringComparison.Ordinal);

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "results.json")));
        Assert.False(json.RootElement.GetProperty("referenceRun").GetProperty("available").GetBoolean());
        Assert.False(json.RootElement.GetProperty("results")[0].TryGetProperty("reference", out _));
        await run.AssertNothingLeftAsync();
    }
}
