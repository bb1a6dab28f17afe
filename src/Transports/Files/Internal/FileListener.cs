using IpcKit.Transports.Internal;

namespace IpcKit.Transports.Files.Internal;

/// <summary>
/// A directory as a listener. The file <c>listener</c> names the listening process; a client creates its spool
/// <c>ID.up</c> and then the request <c>ID.req</c>; accepting removes the request and creates <c>ID.down</c>.
/// </summary>
internal sealed class FileListener : IListener
{
    private readonly FileSettings _settings;
    private readonly string _lockPath;
    private readonly bool _createdDirectory;
    private readonly CancellationTokenSource _disposed = new();
    private int _openConnections;
    private int _disposeCalled;

    private FileListener(Endpoint endpoint, FileSettings settings, bool createdDirectory)
    {
        Endpoint = endpoint;
        _settings = settings;
        _createdDirectory = createdDirectory;
        _lockPath = Path.Combine(settings.Directory, FileSettings.ListenerFileName);
    }

    public Endpoint Endpoint { get; }

    /// <inheritdoc/>
    public bool ReplacedStaleEndpoint { get; private init; }

    public static FileListener Start(Endpoint endpoint, FileSettings settings)
    {
        bool created = !Directory.Exists(settings.Directory);
        if (created)
        {
            Directory.CreateDirectory(settings.Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        string lockPath = Path.Combine(settings.Directory, FileSettings.ListenerFileName);
        bool replaced = false;
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                Spool.Create(lockPath).Dispose();
                break;
            }
            catch (IOException) when (File.Exists(lockPath) && attempt < 3)
            {
                var existing = Spool.TryOpen(lockPath);
                existing?.Handle.Dispose();
                if (existing is { } e && e.Writer.IsAlive())
                {
                    throw new EndpointInUseException($"Cannot listen on {endpoint}: process {e.Writer.Pid} is listening there. Stop it or choose another directory.");
                }

                if (existing is null && attempt == 0)
                {
                    Thread.Sleep(50); // maybe being written this instant: look once more
                    continue;
                }

                // Left by a process that is gone: remove it and its connections' files, never reuse them.
                RemoveOurFiles(settings.Directory);
                replaced = true;
            }
        }

        return new FileListener(endpoint, settings, created) { ReplacedStaleEndpoint = replaced };
    }

    public async ValueTask<IConnection?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        int delay = 1;
        while (true)
        {
            if (_disposed.IsCancellationRequested)
            {
                return null;
            }

            foreach (string request in Directory.EnumerateFiles(_settings.Directory, "*" + FileSettings.RequestSuffix))
            {
                if (TryAccept(request) is { } connection)
                {
                    return connection;
                }
            }

            try
            {
                await Task.Delay(delay, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
            {
                return null;
            }

            delay = Math.Min(delay * 2, 10);
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposeCalled, 1) == 0)
        {
            _disposed.Cancel();
            Spool.Delete(_lockPath);
            foreach (string request in Directory.EnumerateFiles(_settings.Directory, "*" + FileSettings.RequestSuffix))
            {
                Spool.Delete(request);
            }

            RemoveDirectoryWhenDone();
        }

        return ValueTask.CompletedTask;
    }

    private FileConnection? TryAccept(string requestPath)
    {
        string id = Path.GetFileName(requestPath)[..^FileSettings.RequestSuffix.Length];
        // Removing the request claims it: of several accepts, only one succeeds.
        try
        {
            if (!File.Exists(requestPath))
            {
                return null;
            }

            File.Delete(requestPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        string up = Path.Combine(_settings.Directory, id + FileSettings.UpSuffix);
        string down = Path.Combine(_settings.Directory, id + FileSettings.DownSuffix);
        if (Spool.TryOpen(up) is not { } input)
        {
            return null;
        }

        if (!input.Writer.IsAlive())
        {
            input.Handle.Dispose();
            Spool.Delete(up);
            return null;
        }

        var output = Spool.Create(down);
        Interlocked.Increment(ref _openConnections);
        return new FileConnection(Endpoint, output, input.Handle, input.Writer, _settings.Fsync, _settings.MaxMessageSize, [up, down], ConnectionDisposed);
    }

    private void ConnectionDisposed()
    {
        Interlocked.Decrement(ref _openConnections);
        RemoveDirectoryWhenDone();
    }

    private void RemoveDirectoryWhenDone()
    {
        if (_createdDirectory && _disposed.IsCancellationRequested && Volatile.Read(ref _openConnections) == 0)
        {
            try
            {
                Directory.Delete(_settings.Directory); // only when empty: never someone else's files
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    private static void RemoveOurFiles(string directory)
    {
        Spool.Delete(Path.Combine(directory, FileSettings.ListenerFileName));
        foreach (string suffix in new[] { FileSettings.RequestSuffix, FileSettings.UpSuffix, FileSettings.DownSuffix })
        {
            foreach (string file in Directory.EnumerateFiles(directory, "*" + suffix))
            {
                if (Spool.TryOpen(file) is { } spool)
                {
                    spool.Handle.Dispose();
                    if (spool.Writer.IsAlive())
                    {
                        continue; // a live client of the dead listener: its own dispose removes it
                    }
                }

                Spool.Delete(file);
            }
        }
    }
}
