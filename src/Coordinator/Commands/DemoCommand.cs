using System.CommandLine;
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
        Description = "The demo to run; leave it out to list them.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static readonly Option<string> FormatOption = new("--format", "-f")
    {
        Description = "text (narration and figures, for people) or json (the claim, verdict and figures, for scripts).",
        DefaultValueFactory = _ => "text",
    };

    public static Command Create()
    {
        var command = new Command("demo", "Short narrated experiments: why processes need IPC, lost updates, the price of a switch, starvation, deadlock.")
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

        if (DemoCatalog.Find(name) is not { } demo)
        {
            stderr.MarkupLine($"[red]error:[/] Unknown demo '{Markup.Escape(name)}'. Valid demos: {string.Join(", ", DemoCatalog.All.Select(d => d.Name))}.");
            return ExitCodes.BadArguments;
        }

        var output = format == "json" ? DemoOutput.Silent : new DemoOutput(Console.Out.WriteLine);
        DemoResult result;
        try
        {
            result = await demo.RunAsync(output, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stderr.MarkupLine("[yellow]Interrupted.[/]");
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (e is WorkerFailedException or IpcException or TimeoutException or InvalidOperationException)
        {
            stderr.MarkupLine($"[red]error:[/] the {demo.Name} demo failed: {Markup.Escape(e.Message)}");
            return ExitCodes.TransportFailure;
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
    }
}
