using System.Diagnostics;
using System.Globalization;
using IpcKit.Transports.Files.Internal;
using IpcKit.Transports.Internal;

namespace IpcKit.Transports.Files;

/// <summary>Settings of <see cref="FileTransport"/>. The endpoint's query (<c>fsync=true</c>) overrides them.</summary>
public sealed class FileTransportOptions : TransportOptions
{
    /// <summary>Flush every message to the disk (fsync) before the send returns: durable, and far slower. Default: false.</summary>
    public bool Fsync { get; init; }

    internal FileTransportOptions Validated()
    {
        ValidateCommon();
        return this;
    }
}

/// <summary>
/// Messages through the file system (<c>file:///dir?fsync=false</c>): each direction of a connection is a spool file
/// that one side appends CRC-32C-checked records to and the other follows by polling. Slow, simple, and it works across
/// anything that shares a directory. The directory is created mode 0700, files 0600, and all are removed on dispose.
/// </summary>
public sealed class FileTransport : ITransport
{
    private static long s_nextId;
    private readonly FileTransportOptions _options;

    /// <summary>Creates the transport with the given settings, or the defaults.</summary>
    public FileTransport(FileTransportOptions? options = null) => _options = (options ?? new()).Validated();

    /// <inheritdoc/>
    public string Scheme => "file";

    /// <inheritdoc/>
    public IReadOnlyList<string> Aliases => [];

    /// <inheritdoc/>
    public string Description => "Files: an append-only spool per direction with CRC-32C records, followed by polling";

    /// <inheritdoc/>
    public Endpoint CreateEphemeralEndpoint(string scratchDirectory) =>
        Endpoint.Create(Scheme, Path.Combine(scratchDirectory, "f" + Guid.NewGuid().ToString("N")[..12]));

    /// <inheritdoc/>
    public ValueTask<IListener> ListenAsync(Endpoint endpoint, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IListener>(FileListener.Start(endpoint, FileSettings.From(endpoint, _options)));

    /// <inheritdoc/>
    public async ValueTask<IConnection> ConnectAsync(Endpoint endpoint, CancellationToken cancellationToken = default)
    {
        var settings = FileSettings.From(endpoint, _options);
        long deadline = Stopwatch.GetTimestamp() + (long)(settings.ConnectTimeout.TotalSeconds * Stopwatch.Frequency);
        string lockPath = Path.Combine(settings.Directory, FileSettings.ListenerFileName);
        int delay = 1;
        while (Spool.TryOpen(lockPath) is not { } listener || Dispose(listener.Handle) || !listener.Writer.IsAlive())
        {
            await WaitAsync(deadline, endpoint, "nothing listens there" + (File.Exists(lockPath) ? " (the listener file is stale or incomplete)" : ""), delay, cancellationToken).ConfigureAwait(false);
            delay = Math.Min(delay * 2, 20);
        }

        string id = string.Create(CultureInfo.InvariantCulture, $"c{Environment.ProcessId}-{Interlocked.Increment(ref s_nextId)}");
        string up = Path.Combine(settings.Directory, id + FileSettings.UpSuffix);
        string down = Path.Combine(settings.Directory, id + FileSettings.DownSuffix);
        string request = Path.Combine(settings.Directory, id + FileSettings.RequestSuffix);
        var output = Spool.Create(up);
        try
        {
            Spool.Create(request).Dispose();
            delay = 1;
            (Microsoft.Win32.SafeHandles.SafeFileHandle Handle, ProcessIdentity Writer)? opened;
            while ((opened = Spool.TryOpen(down)) is null)
            {
                if (!File.Exists(lockPath))
                {
                    throw new EndpointNotFoundException($"Cannot connect to {endpoint}: the listener closed before it accepted.");
                }

                await WaitAsync(deadline, endpoint, "the listener did not accept in time", delay, cancellationToken).ConfigureAwait(false);
                delay = Math.Min(delay * 2, 10);
            }

            var input = opened.Value;
            return new FileConnection(endpoint, output, input.Handle, input.Writer, settings.Fsync, settings.MaxMessageSize, [up, down], null);
        }
        catch
        {
            output.Dispose();
            Spool.Delete(request);
            Spool.Delete(up);
            Spool.Delete(down);
            throw;
        }
    }

    private static bool Dispose(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        handle.Dispose();
        return false;
    }

    private static async Task WaitAsync(long deadline, Endpoint endpoint, string why, int delayMs, CancellationToken cancellationToken)
    {
        if (Stopwatch.GetTimestamp() > deadline)
        {
            throw new EndpointNotFoundException($"Cannot connect to {endpoint}: {why}.");
        }

        await Task.Delay(delayMs, cancellationToken).ConfigureAwait(false);
    }
}
