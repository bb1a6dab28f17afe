using System.Text;
using System.Text.Json;
using IpcKit.Coordinator.Running;

namespace IpcKit.Coordinator.Remote;

/// <summary>
/// Runs `ipckit worker --describe` on the target once before the run: it proves that the engine and the remote tool
/// work (a failure quotes the engine's stderr), and brings back the remote environment and addresses.
/// </summary>
internal static class RemoteProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(40);

    /// <summary>The description, and the ipckit command that produced it (the one every worker will use).</summary>
    /// <param name="ipckit">The remote ipckit command given with --remote-ipckit, or null to try `ipckit` on the remote
    /// PATH and then this ipckit's own path (which works where the remote side shares this machine's files).</param>
    /// <exception cref="RemoteSetupException">Neither worked; the message quotes what the engine said.</exception>
    public static async Task<(RemoteDescription Description, IReadOnlyList<string> Ipckit)> RunAsync(
        RemoteTarget target, IReadOnlyList<string>? ipckit, CancellationToken cancellationToken)
    {
        var first = ipckit ?? ["ipckit"];
        var (description, failure, engineFailed) = await TryAsync(target, first, cancellationToken).ConfigureAwait(false);
        if (description is not null)
        {
            return (description, first);
        }

        if (ipckit is null && !engineFailed && SelfCommand() is { } self)
        {
            var (second, secondFailure, _) = await TryAsync(target, self, cancellationToken).ConfigureAwait(false);
            if (second is not null)
            {
                return (second, self);
            }

            failure += $"\nThen `{ShellWords.Join(self)} worker --describe` (this ipckit's own path): {secondFailure}";
        }

        string hint = engineFailed
            ? $"{target.Engine} itself failed: check that `{target.Engine}` reaches the host on its own (keys, known_hosts, host name, port)."
            : "Install the IpcKit tool on the remote side (docs/remote.md), or name it with --remote-ipckit PATH.";
        throw new RemoteSetupException($"Cannot start ipckit on {target.Display}. {hint}\n`{ShellWords.Join(first)} worker --describe`: {failure}");
    }

    /// <summary>The command that runs this very ipckit: its apphost, or `dotnet IpcKit.Coordinator.dll`.</summary>
    internal static IReadOnlyList<string>? SelfCommand()
    {
        string? process = Environment.ProcessPath;
        if (process is null)
        {
            return null;
        }

        return Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? System.Reflection.Assembly.GetEntryAssembly()?.Location is { Length: > 0 } dll ? [process, dll] : null
            : [process];
    }

    private static async Task<(RemoteDescription? Description, string Failure, bool EngineFailed)> TryAsync(
        RemoteTarget target, IReadOnlyList<string> ipckit, CancellationToken cancellationToken)
    {
        var command = target.CommandFor(ipckit, "worker", "--describe");
        RunningChild child;
        try
        {
            child = command.Start();
        }
        catch (InvalidOperationException e)
        {
            return (null, e.Message, true);
        }

        await using (child.ConfigureAwait(false))
        {
            child.StandardInput.Close();
            var stdout = new MemoryStream();
            var read = child.StandardOutput.CopyToAsync(stdout, cancellationToken);
            try
            {
                await Task.WhenAll(read, child.Exited).WaitAsync(Timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                await child.KillAsync().ConfigureAwait(false);
                return (null, $"no answer within {Timeout.TotalSeconds:0} s.{Quote(await child.StderrTailAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false))}", false);
            }

            int code = await child.Exited.ConfigureAwait(false);
            string stderr = await child.StderrTailAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            string text = Encoding.UTF8.GetString(stdout.ToArray());
            if (code != 0)
            {
                // ssh exits 255 when it fails itself; the remote command's own failures keep their codes.
                return (null, $"{target.Engine} exited with code {code}.{Quote(stderr)}", target.IsSsh && code == 255);
            }

            try
            {
                return (RemoteDescription.FromJson(text), "", false);
            }
            catch (JsonException e)
            {
                return (null, $"it printed no description ({e.Message}); is the remote ipckit older than this one?{Quote(stderr)}", false);
            }
        }
    }

    private static string Quote(string stderr) => stderr.Length == 0 ? " It wrote nothing to stderr." : $" Its stderr:\n{stderr}";
}
