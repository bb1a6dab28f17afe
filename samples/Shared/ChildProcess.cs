using System.Reflection;
using System.Threading.Channels;
using CliWrap;
using IpcKit.Transports;

namespace IpcKit.Samples;

/// <summary>
/// This same program in a new process, run with CliWrap: its stdout lines to wait on, its stderr passed through to ours,
/// its stdin open until <see cref="CloseInput"/>, deadlines on every wait, and killed (with its children) on dispose if
/// it still runs. Shared by both samples (linked into each project).
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly TaskCompletionSource _closeInput = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _kill = new();
    private readonly CommandTask<CommandResult> _run;

    private ChildProcess(Command command)
    {
        _run = command
            // CliWrap closes the child's stdin when this source completes: the child reads that as "stop".
            .WithStandardInputPipe(PipeSource.Create(async (_, cancellationToken) => await _closeInput.Task.WaitAsync(cancellationToken)))
            .WithStandardOutputPipe(PipeTarget.ToDelegate(line => _lines.Writer.TryWrite(line)))
            .WithStandardErrorPipe(PipeTarget.ToStream(Console.OpenStandardError()))
            .WithValidation(CommandResultValidation.None) // the exit code is the caller's to judge
            .ExecuteAsync(_kill.Token);
        _ = _run.Task.ContinueWith(_ => _lines.Writer.TryComplete(), TaskScheduler.Default);
    }

    public int Id => _run.ProcessId;

    public static ChildProcess StartSelf(params string[] args)
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this program is unknown.");
        // Run as `dotnet Sample.dll` when started that way, else through the apphost.
        string[] arguments = Path.GetFileNameWithoutExtension(self) == "dotnet" ? [Assembly.GetEntryAssembly()!.Location, .. args] : args;
        return new ChildProcess(Cli.Wrap(self).WithArguments(arguments));
    }

    /// <summary>The child's next stdout line that starts with <paramref name="prefix"/>, or null if it exits first.</summary>
    public async Task<string?> TryReadLineAsync(string prefix, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        while (await _lines.Reader.WaitToReadAsync(deadline.Token))
        {
            if (_lines.Reader.TryRead(out string? line) && line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line;
            }
        }

        return null;
    }

    /// <summary>The child's next stdout line that starts with <paramref name="prefix"/>.</summary>
    /// <exception cref="IpcException">The child exited first.</exception>
    public async Task<string> ReadLineAsync(string prefix, CancellationToken cancellationToken) =>
        await TryReadLineAsync(prefix, cancellationToken)
        ?? throw new IpcException($"The child process ended (exit code {await WaitForExitAsync()}) before printing '{prefix}…'.");

    /// <summary>Closes the child's standard input.</summary>
    public void CloseInput() => _closeInput.TrySetResult();

    public async Task<int> WaitForExitAsync() => (await _run.Task.WaitAsync(Timeout)).ExitCode;

    public async ValueTask DisposeAsync()
    {
        CloseInput();
        if (!_run.Task.IsCompleted)
        {
            await _kill.CancelAsync(); // CliWrap kills the process tree
        }

        try
        {
            await _run.Task.WaitAsync(Timeout);
        }
        catch (OperationCanceledException)
        {
        }

        _kill.Dispose();
    }
}
