using System.CommandLine;
using IpcKit.Worker;

namespace IpcKit.Coordinator.Remote;

/// <summary>
/// `ipckit worker`: the worker, run by the tool itself, so that a host needs only the IpcKit tool installed to serve
/// `ipckit bench --remote`. It speaks the control protocol on stdin/stdout (docs/protocol.md) and exits at end of file
/// on stdin, which is how a remote worker learns that its coordinator, or the SSH connection, is gone.
/// </summary>
internal static class WorkerEntry
{
    private static readonly Option<bool> Describe = new("--describe")
    {
        Description = "Print this host's environment and addresses as JSON and exit (what `ipckit bench --remote` asks first).",
    };

    public static Command Create()
    {
        var command = new Command("worker", "Serve as the worker of an `ipckit bench --remote` run on another host; started by that run, not by hand.")
        {
            Describe,
        };
        command.SetAction(async (parse, _) =>
        {
            if (parse.GetValue(Describe))
            {
                Console.Out.WriteLine(RemoteDescription.Capture().ToJson());
                return 0;
            }

            return await WorkerMain.RunAsync([]);
        });
        return command;
    }
}
