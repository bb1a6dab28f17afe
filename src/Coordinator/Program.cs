// ipckit — the IpcKit coordinator. It spawns worker processes and measures transports between them.
using System.CommandLine;
using System.Runtime.InteropServices;
using IpcKit.Coordinator.Commands;

// Ctrl+C or SIGTERM cancels the run, which then cleans up: workers stopped, sockets and scratch files removed (exit 130).
// The handlers are this program's own, registered before anything else and kept to the end, so that no signal can find
// the process without one and end it with 143 mid-cleanup; System.CommandLine's own handling would also cut the cleanup
// off after 2 s (issue 12). The cleanup bounds its own waits; a second signal ends the process at once.
using var interrupted = new CancellationTokenSource();
int signals = 0;
void OnSignal(PosixSignalContext context)
{
    if (Interlocked.Increment(ref signals) == 1)
    {
        context.Cancel = true;
        interrupted.Cancel();
    }
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

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

return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, interrupted.Token);
