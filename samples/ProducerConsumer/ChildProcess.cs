using System.Diagnostics;
using System.Reflection;
using IpcKit.Transports;

namespace IpcKit.Samples.ProducerConsumer;

/// <summary>This same program in a new process, with deadlines on every wait, killed if it outlives its parent's use.</summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;

    private ChildProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public static ChildProcess StartSelf(params string[] args)
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this program is unknown.");
        var info = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            info.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location); // run as `dotnet ProducerConsumer.dll`
        }

        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return new ChildProcess(Process.Start(info) ?? throw new InvalidOperationException($"Could not start {self}."));
    }

    /// <summary>The child's next stdout line that starts with <paramref name="prefix"/>.</summary>
    public async Task<string> ReadLineAsync(string prefix, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        while (true)
        {
            string line = await _process.StandardOutput.ReadLineAsync(deadline.Token)
                ?? throw new IpcException($"The child process ended (exit code {await WaitForExitAsync()}) before printing '{prefix}…'.");
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line;
            }
        }
    }

    public async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().WaitAsync(Timeout);
        return _process.ExitCode;
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
