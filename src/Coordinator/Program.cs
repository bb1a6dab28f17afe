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

// On Ctrl+C or SIGTERM the run is cancelled and cleans up: workers stopped, sockets and scratch files removed. Left to its
// default, System.CommandLine gives that 2 s and then ends the process with 143 however far the cleanup got, which a
// busy machine easily overruns (issue 12). The cleanup bounds its own waits, well inside this.
return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
