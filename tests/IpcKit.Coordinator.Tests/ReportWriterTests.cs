using IpcKit.Coordinator.Exporters;

namespace IpcKit.Coordinator.Tests;

/// <summary>--output-dir: every output in one directory, and one failing exporter does not stop the others.</summary>
public sealed class ReportWriterTests : IDisposable
{
    private static readonly string[] Files = ["results.json", "results.csv", "report.md", "latency.svg", "throughput.svg", "ratio.svg", "report.html"];

    private readonly string _dir = Directory.CreateTempSubdirectory("ipckit-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Every_output_is_written_into_the_directory()
    {
        string output = Path.Combine(_dir, "out", "nested");
        var outcomes = ReportWriter.WriteAll(SampleReports.Full(), output);
        Assert.All(outcomes, o => Assert.Null(o.Error));
        Assert.Equal(Files.Order(), Directory.GetFiles(output).Select(Path.GetFileName).Order());
        Assert.Equal(Outputs.Formats["md"](SampleReports.Full()), File.ReadAllText(Path.Combine(output, "report.md")));
    }

    [Fact]
    public void A_failing_exporter_is_reported_and_the_others_still_write_their_files()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "report.md")); // the Markdown exporter cannot write over a directory
        var exporters = ReportWriter.Exporters.Prepend(("broken.txt", _ => throw new InvalidOperationException("this exporter is broken")));

        var outcomes = ReportWriter.WriteAll(SampleReports.Full(), _dir, exporters);

        var failed = outcomes.Where(o => !o.Succeeded).ToList();
        Assert.Equal(["broken.txt", "report.md"], failed.Select(o => Path.GetFileName(o.Path)));
        Assert.Contains("this exporter is broken", failed[0].Error, StringComparison.Ordinal);
        foreach (string file in Files.Where(f => f != "report.md"))
        {
            Assert.True(File.Exists(Path.Combine(_dir, file)), $"{file} was not written");
        }

        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void A_file_of_the_users_named_like_a_temporary_is_left_as_it_was()
    {
        // Writes went to "<name>.tmp" and renamed it, so a user's results.json.tmp was overwritten and then gone.
        string mine = Path.Combine(_dir, "results.json.tmp");
        File.WriteAllText(mine, "the user's");
        Directory.CreateDirectory(Path.Combine(_dir, "report.md")); // one exporter fails, which deleted "<name>.tmp" too
        File.WriteAllText(Path.Combine(_dir, "report.md.tmp"), "also the user's");

        ReportWriter.WriteAll(SampleReports.Full(), _dir);

        Assert.Equal("the user's", File.ReadAllText(mine));
        Assert.Equal("also the user's", File.ReadAllText(Path.Combine(_dir, "report.md.tmp")));
        Assert.Equal(["report.md.tmp", "results.json.tmp"], Directory.GetFiles(_dir, "*.tmp").Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Checking_an_output_directory_makes_nothing_and_finds_what_cannot_be_written()
    {
        string nested = Path.Combine(_dir, "a", "b");
        Assert.Null(OutputFiles.CheckDirectory(nested));
        Assert.Null(OutputFiles.CheckFile(Path.Combine(_dir, "r.json")));
        Assert.Empty(Directory.GetFileSystemEntries(_dir));

        File.WriteAllText(Path.Combine(_dir, "a"), "x");
        Assert.Equal($"{Path.Combine(_dir, "a")} is a file, so no directory can be made under it", OutputFiles.CheckDirectory(nested));
        Assert.Equal($"the directory {nested} does not exist", OutputFiles.CheckFile(Path.Combine(nested, "r.json")));
    }
}
