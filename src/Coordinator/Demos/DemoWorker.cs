using System.Globalization;
using IpcKit.Coordinator.Running;

namespace IpcKit.Coordinator.Demos;

/// <summary>
/// An IpcKit.Worker started in demo mode (<c>--demo NAME ...</c>): it speaks plain text lines on stdin and stdout
/// instead of the control protocol. Disposing closes its stdin, which makes it exit, and kills it if it does not.
/// </summary>
internal sealed class DemoWorker : IAsyncDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(20);
    private readonly RunningChild _child;

    private DemoWorker(RunningChild child) => _child = child;

    public int Pid => _child.Id;

    public static DemoWorker Start(params string[] demoArguments)
    {
        var command = WorkerSession.WorkerCommand();
        return new DemoWorker(command.WithArguments([.. command.Arguments, "--demo", .. demoArguments]).Start());
    }

    public async Task SendLineAsync(string line, CancellationToken cancellationToken)
    {
        var stdin = _child.Process.StandardInput;
        await stdin.WriteLineAsync(line.AsMemory(), cancellationToken);
        await stdin.FlushAsync(cancellationToken);
    }

    /// <summary>The worker's next line of output.</summary>
    /// <exception cref="WorkerFailedException">It exited, or said nothing within 20 s; the message carries its stderr.</exception>
    public async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        string? line;
        try
        {
            line = await _child.Process.StandardOutput.ReadLineAsync(cancellationToken).AsTask().WaitAsync(ReplyTimeout, cancellationToken);
        }
        catch (TimeoutException e)
        {
            await _child.KillAsync();
            throw new WorkerFailedException($"The demo worker (pid {Pid}) said nothing for {ReplyTimeout.TotalSeconds:0} s; it was killed.", e);
        }

        return line ?? throw new WorkerFailedException(
            $"The demo worker (pid {Pid}) exited unexpectedly. Its stderr: {await _child.StderrTailAsync(TimeSpan.FromSeconds(2))}");
    }

    /// <summary>Reads a line that must be exactly <paramref name="word"/>.</summary>
    public async Task ExpectAsync(string word, CancellationToken cancellationToken)
    {
        string line = await ReadLineAsync(cancellationToken);
        if (line != word)
        {
            throw new WorkerFailedException($"The demo worker (pid {Pid}) said '{line}' where '{word}' was expected.");
        }
    }

    /// <summary>Reads a line of the form <c>WORD NUMBER...</c> and returns the numbers after the expected word.</summary>
    public async Task<long[]> ReadNumbersAsync(string word, CancellationToken cancellationToken)
    {
        string line = await ReadLineAsync(cancellationToken);
        string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2 || parts[0] != word)
        {
            throw new WorkerFailedException($"The demo worker (pid {Pid}) said '{line}' where '{word} …' was expected.");
        }

        return [.. parts.Skip(1).Select(p => long.Parse(p, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture))];
    }

    /// <summary>Waits (bounded) for the worker to exit by itself, and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken) =>
        await _child.Exited.WaitAsync(ReplyTimeout, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            _child.Process.StandardInput.Close();
            await _child.Exited.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is IOException or TimeoutException or InvalidOperationException)
        {
        }

        await _child.DisposeAsync();
    }
}
