using System.CommandLine;
using System.Globalization;
using IpcKit.Coordinator.Exporters;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;
using Spectre.Console;

namespace IpcKit.Coordinator.Commands;

/// <summary>`ipckit compare BASELINE.json CURRENT.json`: how each result changed, and a regression gate for CI.</summary>
internal static class CompareCommand
{
    private static readonly Argument<FileInfo> BaselineArgument = new("baseline") { Description = "The result to compare against (e.g. bench/baseline.json)." };

    private static readonly Argument<FileInfo> CurrentArgument = new("current") { Description = "The new result." };

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
        var command = new Command("compare", "Compare two result files: the change in p50, p99 and throughput of each transport, workload and size.")
        {
            BaselineArgument, CurrentArgument, FailOption, AbsoluteOption, FormatOption,
        };
        command.SetAction(parse =>
        {
            string format = parse.GetValue(FormatOption)!.ToLowerInvariant();
            double? threshold;
            try
            {
                threshold = parse.GetValue(FailOption) is { } text ? Threshold(text) : null;
                if (format is not ("table" or "markdown" or "json"))
                {
                    throw new UsageException($"Unknown format '{format}'. Valid formats: table, markdown, json.");
                }
            }
            catch (UsageException e)
            {
                Terminal.Error.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
                return ExitCodes.BadArguments;
            }

            if (!ReportCommand.TryRead(parse.GetValue(BaselineArgument)!, out var baseline) || !ReportCommand.TryRead(parse.GetValue(CurrentArgument)!, out var current))
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
