using System.Text;
using CliWrap;
using IpcKit.Coordinator.Exporters;

namespace IpcKit.Coordinator.Tests;

/// <summary>
/// The HTML report opens in a real browser — headless Chromium (Debian's <c>chromium</c>, which .ci/run installs) —
/// without a console error, and renders. The screenshot is kept in the test output folder for a person to look at.
/// </summary>
public sealed class HtmlInBrowserTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private readonly string _dir = Directory.CreateTempSubdirectory("ipckit-html-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("full")]
    [InlineData("minimal")]
    public async Task The_html_report_opens_in_headless_chromium_without_console_errors(string report)
    {
        string html = Path.Combine(_dir, "report.html");
        await File.WriteAllTextAsync(html, HtmlExporter.Write(Outputs.Reports[report]()));
        string screenshot = Path.Combine(AppContext.BaseDirectory, $"report-{report}.png");
        File.Delete(screenshot);

        var (dom, stderr) = await RunChromiumAsync(["--dump-dom", new Uri(html).AbsoluteUri]);
        var (_, shotErr) = await RunChromiumAsync([$"--screenshot={screenshot}", "--window-size=1280,2000", new Uri(html).AbsoluteUri]);

        var problems = ConsoleMessages(stderr + shotErr);
        Assert.True(problems.Count == 0, "Chromium reported:\n" + string.Join('\n', problems));
        Assert.Contains("<h1>ipckit bench: pipe", dom, StringComparison.Ordinal);
        Assert.Equal(3, dom.Split("<svg ").Length - 1);
        Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot is missing or empty");

        // The verdict comes before the tables, as the browser parsed the page, and points to the guide.
        int verdict = dom.IndexOf("<section class=\"verdict\" id=\"verdict\">", StringComparison.Ordinal);
        Assert.True(verdict > 0 && verdict < dom.IndexOf("<table>", StringComparison.Ordinal), "no verdict before the tables");
        Assert.Contains("docs/choosing-a-transport.md", dom[verdict..], StringComparison.Ordinal);
        if (report == "full")
        {
            // The ratio chart (the third) on a log scale centred on 1×: ticks below 1× as far from it as those above.
            string ratio = dom[dom.LastIndexOf("<svg ", StringComparison.Ordinal)..];
            foreach (string tick in new[] { "0.20×", "0.50×", "1.00×", "2.00×", "5.00×" })
            {
                Assert.Contains($">{tick}</text>", ratio, StringComparison.Ordinal);
            }

            Assert.Contains("thread (in-process)", dom, StringComparison.Ordinal); // the throughput chart names its lines
        }
    }

    [Fact]
    public async Task The_check_catches_a_page_that_runs_a_script_or_fetches_from_the_network()
    {
        // The report's own Content-Security-Policy, and a page that breaks it: the check must not pass vacuously.
        string page = HtmlExporter.Write(SampleReports.Minimal())
            .Replace("</body>", "<img src=\"http://example.invalid/x.png\"><script>undefinedFunction();</script></body>", StringComparison.Ordinal);
        string html = Path.Combine(_dir, "bad.html");
        await File.WriteAllTextAsync(html, page);

        var (_, stderr) = await RunChromiumAsync(["--dump-dom", new Uri(html).AbsoluteUri]);

        var problems = ConsoleMessages(stderr);
        Assert.Contains(problems, p => p.Contains("example.invalid", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("inline script", StringComparison.Ordinal));
    }

    /// <summary>
    /// What the page wrote to the browser console: Chromium logs it as "INFO:CONSOLE:line]" (older builds
    /// "CONSOLE(line)"), including script errors ("Uncaught …") and Content-Security-Policy violations — every load
    /// from the network and every script is one, since the report allows neither.
    /// </summary>
    private static List<string> ConsoleMessages(string stderr) =>
    [
        .. stderr.Split('\n').Where(l => l.Contains(":CONSOLE:", StringComparison.Ordinal) || l.Contains("CONSOLE(", StringComparison.Ordinal)
                                          || l.Contains("Uncaught", StringComparison.Ordinal)),
    ];

    private async Task<(string Stdout, string Stderr)> RunChromiumAsync(IEnumerable<string> args)
    {
        string? chromium = new[] { "chromium", "chromium-browser", "google-chrome" }
            .Select(name => Environment.GetEnvironmentVariable("PATH")!.Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists))
            .FirstOrDefault(p => p is not null);
        Assert.True(chromium is not null, "Chromium is not installed: this test needs Debian's chromium package (.ci/run installs it: apt-get install chromium).");

        string[] arguments =
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", $"--user-data-dir={Path.Combine(_dir, "profile")}", "--enable-logging=stderr", "--v=0",
            .. args,
        ];
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var deadline = new CancellationTokenSource(Deadline);
        CommandResult result;
        try
        {
            // CliWrap reads both streams concurrently and kills Chromium's whole process tree when the deadline passes.
            result = await Cli.Wrap(chromium!)
                .WithArguments(arguments)
                .WithStandardOutputPipe(PipeTarget.ToStringBuilder(stdout))
                .WithStandardErrorPipe(PipeTarget.ToStringBuilder(stderr))
                .WithValidation(CommandResultValidation.None)
                .ExecuteAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"Chromium did not finish within {Deadline.TotalSeconds} s.\n{stderr}");
        }

        Assert.True(result.ExitCode == 0, $"Chromium exited {result.ExitCode}:\n{stderr}");
        return (stdout.ToString(), stderr.ToString());
    }
}
