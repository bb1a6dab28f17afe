// ipckit — the IpcKit coordinator. It spawns worker processes and measures transports between them.
using System.CommandLine;
using IpcKit.Coordinator.Commands;

var root = new RootCommand("ipckit: measure what talking between processes costs on this machine.")
{
    BenchCommand.Create(),
    ListCommand.Create(),
    ReportCommand.Create(),
    CompareCommand.Create(),
    DemoCommand.Create(),
    IpcKit.Coordinator.Remote.WorkerEntry.Create(),
};

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine($"error: {error.Message}");
    }

    Console.Error.WriteLine("Run `ipckit --help` or `ipckit bench --help` for usage.");
    return ExitCodes.BadArguments;
}

return await parse.InvokeAsync();
