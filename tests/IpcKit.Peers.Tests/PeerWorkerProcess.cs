using System.Diagnostics;
using System.Text;

namespace IpcKit.Peers.Tests;

/// <summary>
/// The real IpcKit.Peers.Worker in its own process, in a private directory of the test's own: started with a peer
/// and an address, ready once it has said where it listens. Disposing kills it if it still runs and removes the directory.
/// </summary>
internal sealed class PeerWorkerProcess : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly StringBuilder _stderr = new();

    private PeerWorkerProcess(Process process, string directory)
    {
        Process = process;
        Directory = directory;
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) { lock (_stderr) { _stderr.AppendLine(line); } } };
        process.BeginErrorReadLine();
    }

    public Process Process { get; }

    /// <summary>This test's own 0700 directory, named with the test process's pid.</summary>
    public string Directory { get; }

    public string Stderr { get { lock (_stderr) { return _stderr.ToString(); } } }

    /// <summary>A fresh private directory for one test.</summary>
    public static string NewPrivateDirectory() =>
        System.IO.Directory.CreateDirectory(
            Path.Combine(Path.GetTempPath(), $"ipckit-peertest-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]),
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName;

    public static PeerWorkerProcess Start(string directory, params string[] args)
    {
        string apphost = Path.Combine(AppContext.BaseDirectory, "IpcKit.Peers.Worker");
        var info = new ProcessStartInfo(apphost)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // Tests kill this worker on purpose; with the runtime's debugger pipes and diagnostics socket off it leaves
        // nothing in $TMPDIR when they do (ipckit starts its own peer workers the same way).
        info.Environment["DOTNET_EnableDiagnostics"] = "0";
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        return new PeerWorkerProcess(Process.Start(info)!, directory);
    }

    /// <summary>Starts a worker for <paramref name="peer"/> at a fresh address and waits for its ready line.</summary>
    public static async Task<(PeerWorkerProcess Worker, string Address)> StartReadyAsync(PeerKind peer)
    {
        string directory = NewPrivateDirectory();
        var worker = Start(directory, peer.Name, peer.EphemeralAddress(directory));
        try
        {
            string line = await worker.ReadLineAsync();
            Assert.StartsWith("ready ", line, StringComparison.Ordinal);
            return (worker, line["ready ".Length..]);
        }
        catch
        {
            await worker.DisposeAsync();
            throw;
        }
    }

    public async Task<string> ReadLineAsync()
    {
        string? line = await Process.StandardOutput.ReadLineAsync().WaitAsync(Deadline);
        return line ?? throw new InvalidOperationException($"The peer worker closed stdout (exit {(Process.HasExited ? Process.ExitCode : -1)}). stderr: {Stderr}");
    }

    /// <summary>Closes the worker's stdin, as the coordinator does when it is done, and waits for the exit code.</summary>
    public async Task<int> CloseAndWaitAsync()
    {
        Process.StandardInput.Close();
        await Process.WaitForExitAsync().WaitAsync(Deadline);
        return Process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                await Process.WaitForExitAsync().WaitAsync(Deadline);
            }
        }
        finally
        {
            Process.Dispose();
            if (System.IO.Directory.Exists(Directory))
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
        }
    }
}
