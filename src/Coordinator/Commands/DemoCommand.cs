using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using IpcKit.Coordinator.Demos;
using IpcKit.Coordinator.Running;
using IpcKit.Transports;
using Spectre.Console;

namespace IpcKit.Coordinator.Commands;

/// <summary>`ipckit demo [NAME]`: short narrated experiments on threads, processes and IPC.</summary>
internal static class DemoCommand
{
    private static readonly Argument<string?> NameArgument = new("name")
    {
        Description = "The demo to run, or all to run every one and end with a summary table; leave it out to list them.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static readonly Option<string> FormatOption = new("--format", "-f")
    {
        Description = "text (narration and figures, for people) or json (the claim, verdict and figures, for scripts).",
        DefaultValueFactory = _ => "text",
    };

    public static Command Create()
    {
        var command = new Command("demo", "Short narrated experiments on threads, processes and IPC: isolation, races, switches, scheduling, deadlock and livelock, memory ordering, leaks, channels.")
        {
            NameArgument, FormatOption,
        };
        command.SetAction((parse, ct) => RunAsync(parse, ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var stderr = Terminal.Error;
        string format = parse.GetValue(FormatOption)!.ToLowerInvariant();
        if (format is not ("text" or "json"))
        {
            stderr.MarkupLine($"[red]error:[/] Unknown format '{Markup.Escape(format)}'. Valid formats: text, json.");
            return ExitCodes.BadArguments;
        }

        string? name = parse.GetValue(NameArgument);
        if (name is null)
        {
            List(format);
            return ExitCodes.Success;
        }

        if (name.Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            return await RunAllAsync(format, cancellationToken);
        }

        if (DemoCatalog.Find(name) is not { } demo)
        {
            stderr.MarkupLine($"[red]error:[/] Unknown demo '{Markup.Escape(name)}'. Valid demos: {string.Join(", ", DemoCatalog.All.Select(d => d.Name))}, or all.");
            return ExitCodes.BadArguments;
        }

        var output = format == "json" ? DemoOutput.Silent : new DemoOutput(Console.Out.WriteLine);
        var (result, code) = await RunOneAsync(demo, output, cancellationToken);
        if (result is null)
        {
            return code;
        }

        if (format == "json")
        {
            Console.Out.WriteLine(result.ToJson());
        }
        else
        {
            output.Say();
            output.Say($"Claim: {result.Claim}");
            output.Say(result.Verdict);
        }

        return ExitCodes.Success;
    }

    /// <summary>Runs one demo; on failure says why on stderr and returns no result and the exit code.</summary>
    private static async Task<(DemoResult? Result, int Code)> RunOneAsync(IDemo demo, DemoOutput output, CancellationToken cancellationToken)
    {
        var stderr = Terminal.Error;
        try
        {
            return (await demo.RunAsync(output, cancellationToken), ExitCodes.Success);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stderr.MarkupLine("[yellow]Interrupted.[/]");
            return (null, ExitCodes.Interrupted);
        }
        catch (Exception e) when (e is WorkerFailedException or IpcException or TimeoutException or InvalidOperationException)
        {
            stderr.MarkupLine($"[red]error:[/] the {demo.Name} demo failed: {Markup.Escape(e.Message)}");
            return (null, ExitCodes.TransportFailure);
        }
    }

    /// <summary>`ipckit demo all`: every demo in catalog order, then one summary table (or one JSON document).</summary>
    private static async Task<int> RunAllAsync(string format, CancellationToken cancellationToken)
    {
        var output = format == "json" ? DemoOutput.Silent : new DemoOutput(Console.Out.WriteLine);
        var rows = new List<DemoRun>();
        long start = Stopwatch.GetTimestamp();
        int code = ExitCodes.Success;
        foreach (var demo in DemoCatalog.All)
        {
            output.Say($"=== ipckit demo {demo.Name} ===");
            long demoStart = Stopwatch.GetTimestamp();
            var (result, demoCode) = await RunOneAsync(demo, output, cancellationToken);
            rows.Add(new DemoRun(demo, result, Stopwatch.GetElapsedTime(demoStart)));
            if (demoCode == ExitCodes.Interrupted)
            {
                return demoCode;
            }

            code = result is null ? demoCode : code;
            output.Say(result is null ? "(failed; see the error above)" : result.Verdict);
            output.Say();
        }

        var summary = new DemoSummary(rows, Stopwatch.GetElapsedTime(start));
        if (format == "json")
        {
            Console.Out.WriteLine(summary.ToJson());
        }
        else
        {
            summary.Write(output);
        }

        return code;
    }

    private static void List(string format)
    {
        if (format == "json")
        {
            var list = new JsonArray([.. DemoCatalog.All.Select(d => new JsonObject { ["name"] = d.Name, ["summary"] = d.Summary })]);
            Console.Out.WriteLine(list.ToJsonString());
            return;
        }

        int width = DemoCatalog.All.Max(d => d.Name.Length);
        Console.Out.WriteLine("Demos (run one with `ipckit demo NAME`, add --format json for its figures):");
        foreach (var d in DemoCatalog.All)
        {
            Console.Out.WriteLine($"  {d.Name.PadRight(width)}  {d.Summary}");
        }

        Console.Out.WriteLine($"  {"all".PadRight(width)}  Every demo in turn, then one summary table.");
    }
}
