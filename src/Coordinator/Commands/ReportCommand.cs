using System.CommandLine;
using System.Text.Json;
using IpcKit.Coordinator.Exporters;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;
using Spectre.Console;

namespace IpcKit.Coordinator.Commands;

/// <summary>`ipckit report results.json`: renders a result written earlier (by `bench --format json` or `--output-dir`) again.</summary>
internal static class ReportCommand
{
    private static readonly Argument<FileInfo> FileArgument = new("results")
    {
        Description = "A result file written by `ipckit bench --format json --output FILE` or `--output-dir DIR` (DIR/results.json).",
    };

    private static readonly Option<DirectoryInfo?> OutputDirOption = new("--output-dir")
    {
        Description = "Write every output into this directory: results.json, results.csv, report.md, report.html and the SVG charts.",
    };

    private static readonly Option<string> FormatOption = new("--format", "-f")
    {
        Description = "What to print on standard output: table, markdown, csv, json or html.",
        DefaultValueFactory = _ => "table",
    };

    private static readonly Option<string?> ColumnsOption = BenchCommand.CreateColumnsOption();

    public static Command Create()
    {
        var command = new Command("report", "Render a result file again: the table, Markdown, CSV, HTML, or every output into a directory.")
        {
            FileArgument, OutputDirOption, FormatOption, ColumnsOption,
        };
        command.SetAction(parse =>
        {
            string format = parse.GetValue(FormatOption)!.ToLowerInvariant();
            if (format is not ("table" or "markdown" or "csv" or "json" or "html"))
            {
                Terminal.Error.MarkupLine($"[red]error:[/] Unknown format '{Markup.Escape(format)}'. Valid formats: table, markdown, csv, json, html.");
                return ExitCodes.BadArguments;
            }

            IReadOnlyList<string>? columns;
            try
            {
                columns = OptionParsing.Columns(parse.GetValue(ColumnsOption));
            }
            catch (UsageException e)
            {
                Terminal.Error.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
                return ExitCodes.BadArguments;
            }

            if (!TryRead(parse.GetValue(FileArgument)!, out var report))
            {
                return ExitCodes.BadArguments;
            }

            var dir = parse.GetValue(OutputDirOption);
            switch (format)
            {
                case "table":
                    ConsoleExporter.Write(Terminal.Out, report, columns);
                    break;
                case "markdown":
                    Console.Out.Write(MarkdownExporter.Write(report));
                    break;
                case "csv":
                    Console.Out.Write(CsvExporter.Write(report));
                    break;
                case "json":
                    Console.Out.WriteLine(JsonExporter.Write(report));
                    break;
                case "html":
                    Console.Out.Write(HtmlExporter.Write(report));
                    break;
            }

            return dir is null || WriteOutputs(Terminal.Error, report, dir.FullName) ? ExitCodes.Success : ExitCodes.OutputFailure;
        });
        return command;
    }

    /// <summary>Reads a result file, or says on stderr why it cannot.</summary>
    public static bool TryRead(FileInfo file, out BenchReport report)
    {
        report = null!;
        try
        {
            report = JsonExporter.Read(File.ReadAllText(file.FullName));
            if (report.SchemaVersion > BenchReport.CurrentSchemaVersion)
            {
                Terminal.Error.MarkupLine($"[yellow]note:[/] {Markup.Escape(file.Name)} has schemaVersion {report.SchemaVersion}; this ipckit knows {BenchReport.CurrentSchemaVersion}. Fields it does not know are ignored.");
            }

            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Terminal.Error.MarkupLine($"[red]error:[/] cannot read {Markup.Escape(file.FullName)}: {Markup.Escape(e.Message)}");
        }
        catch (JsonException e)
        {
            Terminal.Error.MarkupLine($"[red]error:[/] {Markup.Escape(file.FullName)} is not an ipckit result (docs/json-schema.md): {Markup.Escape(e.Message)}");
        }

        return false;
    }

    /// <summary>Writes every output into <paramref name="directory"/> and lists them on stderr; false when any failed.</summary>
    public static bool WriteOutputs(IAnsiConsole stderr, BenchReport report, string directory)
    {
        bool ok = true;
        foreach (var outcome in ReportWriter.WriteAll(report, directory))
        {
            if (outcome.Succeeded)
            {
                stderr.MarkupLine($"[grey]wrote {Markup.Escape(outcome.Path)}[/]");
            }
            else
            {
                ok = false;
                stderr.MarkupLine($"[red]error:[/] could not write {Markup.Escape(outcome.Path)}: {Markup.Escape(outcome.Error!)}");
            }
        }

        return ok;
    }
}
