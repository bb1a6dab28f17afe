using System.CommandLine;
using System.Globalization;
using IpcKit.Coordinator.Exporters;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;
using IpcKit.Peers;
using Spectre.Console;

namespace IpcKit.Coordinator.Commands;

/// <summary>
/// `ipckit compare BASELINE.json CURRENT.json`: how each result changed, and a regression gate for CI. Either side may
/// be several result files separated by commas (base-1.json,base-2.json), whose trials are pooled (<see cref="ResultPool"/>).
/// </summary>
internal static class CompareCommand
{
    private static readonly Argument<string> BaselineArgument = new("baseline")
    {
        Description = "The result to compare against (e.g. bench/baseline.json), or several separated by commas (base-1.json,base-2.json): their trials are pooled.",
    };

    private static readonly Argument<string> CurrentArgument = new("current")
    {
        Description = "The new result, or several separated by commas, pooled likewise.",
    };

    private static readonly Option<string?> FailOption = new("--fail-on-regression")
    {
        Description = "Exit 5 when a result is worse by more than this, e.g. 25%: p50 up (latency, request) or messages/s down (throughput).",
    };

    private static readonly Option<bool> AbsoluteOption = new("--absolute")
    {
        Description = "Compare raw figures instead of ratios to the reference measured in the same run (only fair on the same machine).",
    };

    private static readonly Option<string> FormatOption = new("--format", "-f")
    {
        Description = "table, markdown or json.",
        DefaultValueFactory = _ => "table",
    };

    public static Command Create()
    {
        var command = new Command(
            "compare",
            "Compare two results: the change in p50, p99 and throughput of each transport, workload and size. Each side is a result file, "
            + "or several separated by commas whose trials are pooled per case (runs of the same pin and schema version only).")
        {
            BaselineArgument, CurrentArgument, FailOption, AbsoluteOption, FormatOption,
        };
        command.SetAction(parse =>
        {
            string format = parse.GetValue(FormatOption)!.ToLowerInvariant();
            double? threshold;
            PooledSide? baseline, current;
            try
            {
                threshold = parse.GetValue(FailOption) is { } text ? Threshold(text) : null;
                if (format is not ("table" or "markdown" or "json"))
                {
                    throw new UsageException($"Unknown format '{format}'. Valid formats: table, markdown, json.");
                }

                var baselineFiles = FilesOf("baseline", parse.GetValue(BaselineArgument)!);
                var currentFiles = FilesOf("current", parse.GetValue(CurrentArgument)!);
                baseline = Read("baseline", baselineFiles);
                current = baseline is null ? null : Read("current", currentFiles);
            }
            catch (Exception e) when (e is UsageException or InvalidDataException)
            {
                Terminal.Error.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
                return ExitCodes.BadArguments;
            }

            if (baseline is null || current is null)
            {
                return ExitCodes.BadArguments;
            }

            var comparison = Comparison.Of(baseline, current, parse.GetValue(AbsoluteOption), threshold);
            switch (format)
            {
                case "markdown":
                    Console.Out.Write(ComparisonExporter.Markdown(comparison));
                    break;
                case "json":
                    Console.Out.WriteLine(ComparisonExporter.Json(comparison));
                    break;
                default:
                    ComparisonExporter.Write(Terminal.Out, comparison);
                    break;
            }

            if (comparison.Regressions.Count > 0)
            {
                // Named on stderr too, so that a CI log shows it even when stdout went to a file.
                Terminal.Error.MarkupLine($"[red]regression:[/] {Markup.Escape(ComparisonExporter.Verdict(comparison))}");
                return ExitCodes.Regression;
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// The files one side names: the argument itself when it is a file (so that one path holding a comma still works),
    /// else its comma-separated parts, each of which must be a file.
    /// </summary>
    /// <param name="side">"baseline" or "current", for the error.</param>
    /// <param name="argument">The argument as given.</param>
    /// <exception cref="UsageException">An empty part, or a part that is not a file.</exception>
    internal static IReadOnlyList<string> FilesOf(string side, string argument)
    {
        if (File.Exists(argument))
        {
            return [argument];
        }

        string[] parts = argument.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Any(p => p.Length == 0))
        {
            throw new UsageException($"The {side} list '{argument}' has an empty entry: separate result files with single commas, e.g. base-1.json,base-2.json.");
        }

        foreach (string path in parts)
        {
            if (!File.Exists(path))
            {
                string which = parts.Length == 1 ? $"The {side} file {path}" : $"The {side} file {path} (one of the {parts.Length} in '{argument}')";
                throw new UsageException(Directory.Exists(path) ? $"{which} is a directory, not a result file." : $"{which} does not exist.");
            }
        }

        // A file pooled with itself would count each of its trials twice and make the test surer than its trials are.
        if (parts.GroupBy(Path.GetFullPath).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new UsageException($"The {side} list '{argument}' names {twice.First()} {twice.Count()} times: each file's trials may be pooled once.");
        }

        return parts;
    }

    /// <summary>Reads and pools one side's files; null when one cannot be read (said on stderr).</summary>
    /// <exception cref="InvalidDataException">The files cannot be pooled (different schema versions or pins).</exception>
    private static PooledSide? Read(string side, IReadOnlyList<string> paths)
    {
        var files = new List<ResultFile>();
        foreach (string path in paths)
        {
            if (!ReportCommand.TryRead(new FileInfo(path), out var report))
            {
                return null;
            }

            files.Add(new ResultFile(path, report));
        }

        // A framework peer's row is set against the bare transport it rides on, as `ipckit bench` does.
        return ResultPool.Pool(side, files, name => PeerKind.TryGet(name, out var peer) ? peer.BareTransport : null);
    }

    /// <summary>Reads 25% or 25 (both a quarter) as 0.25.</summary>
    internal static double Threshold(string text)
    {
        string t = text.Trim().TrimEnd('%').Trim();
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double percent) || percent < 0 || double.IsNaN(percent) || double.IsInfinity(percent))
        {
            throw new UsageException($"'{text}' is not a threshold for --fail-on-regression: write e.g. 25%.");
        }

        return percent / 100;
    }
}
