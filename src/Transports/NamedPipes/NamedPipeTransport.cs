using System.IO.Pipes;
using IpcKit.Transports.Connections;
using IpcKit.Transports.Internal;

namespace IpcKit.Transports.NamedPipes;

/// <summary>Settings of <see cref="NamedPipeTransport"/>.</summary>
public sealed class NamedPipeTransportOptions : TransportOptions
{
    /// <summary>Only processes of the current user may connect, and clients only talk to a server of the current user. Default: true.</summary>
    public bool CurrentUserOnly { get; init; } = true;

    internal NamedPipeTransportOptions Validated()
    {
        ValidateCommon();
        return this;
    }
}

/// <summary>
/// Named pipes through System.IO.Pipes (<c>pipe://name</c>). On Linux .NET implements them as a Unix domain socket at
/// <c>$TMPDIR/CoreFxPipe_name</c>, so the name is limited by the 108-byte socket path, and message mode is not available:
/// IpcKit frames the byte stream itself. A live pipe of the same name is never taken over; a stale file is replaced.
/// </summary>
public sealed class NamedPipeTransport : ITransport
{
    private readonly NamedPipeTransportOptions _options;

    /// <summary>Creates the transport with the given settings, or the defaults.</summary>
    public NamedPipeTransport(NamedPipeTransportOptions? options = null) => _options = (options ?? new()).Validated();

    /// <inheritdoc/>
    public string Scheme => "pipe";

    /// <inheritdoc/>
    public IReadOnlyList<string> Aliases => ["named-pipe"];

    /// <inheritdoc/>
    public string Description => "Named pipe via System.IO.Pipes (on Linux a Unix socket in $TMPDIR), current user only";

    /// <inheritdoc/>
    public Endpoint CreateEphemeralEndpoint(string scratchDirectory) =>
        Endpoint.Create(Scheme, $"ipckit-{Environment.ProcessId}-{Guid.NewGuid():N}"[..28]);

    /// <summary>The file behind a pipe name on this platform.</summary>
    public static string GetSocketPath(string pipeName) => Path.GetFullPath(Path.Combine(Path.GetTempPath(), "CoreFxPipe_" + pipeName));

    /// <inheritdoc/>
    public ValueTask<IListener> ListenAsync(Endpoint endpoint, CancellationToken cancellationToken = default)
    {
        string name = GetName(endpoint);
        string path = GetSocketPath(name);
        // NamedPipeServerStream unlinks whatever is at the path; check first so that a live server is never robbed.
        bool replaced = UnixPath.ClaimSocketPath(path, endpoint.ToString());
        var listener = new NamedPipeListener(endpoint, name, path, _options) { ReplacedStaleEndpoint = replaced };
        return ValueTask.FromResult<IListener>(listener);
    }

    /// <inheritdoc/>
    public async ValueTask<IConnection> ConnectAsync(Endpoint endpoint, CancellationToken cancellationToken = default)
    {
        string name = GetName(endpoint);
        var options = PipeOptions.Asynchronous | (_options.CurrentUserOnly ? PipeOptions.CurrentUserOnly : PipeOptions.None);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.ConnectTimeout);
        Exception? last = null;
        int delayMs = 1;
        while (true)
        {
            var client = new NamedPipeClientStream(".", name, PipeDirection.InOut, options);
            try
            {
                // Connect(timeout) is not dependable on Linux while the server is busy; try in short slices under our own deadline.
                await client.ConnectAsync(250, deadline.Token).ConfigureAwait(false);
                var stream = DescriptorStream.OverPipe(client, isSocket: true);
                return new FramedStreamConnection(endpoint, stream, stream, _options.MaxMessageSize);
            }
            catch (Exception e) when (e is TimeoutException or IOException)
            {
                client.Dispose();
                last = e;
            }
            catch (UnauthorizedAccessException e)
            {
                client.Dispose();
                throw new EndpointNotFoundException($"Cannot connect to {endpoint}: the pipe belongs to another user ({e.Message}).", e);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                client.Dispose();
                break;
            }
            catch
            {
                client.Dispose();
                throw;
            }

            if (deadline.IsCancellationRequested)
            {
                break;
            }

            try
            {
                await Task.Delay(delayMs, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                break;
            }

            delayMs = Math.Min(delayMs * 2, 50);
        }

        throw new EndpointNotFoundException(
            $"Nothing accepted a connection at {endpoint} within {_options.ConnectTimeout.TotalSeconds:0.###} s. Is the listener running?", last);
    }

    private static string GetName(Endpoint endpoint)
    {
        if (endpoint.Scheme is not ("pipe" or "named-pipe"))
        {
            throw new ArgumentException($"The pipe transport cannot use the endpoint {endpoint}.", nameof(endpoint));
        }

        string name = endpoint.Address.Trim('/');
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || string.Equals(name, "anonymous", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"The endpoint {endpoint} needs a pipe name without '/', for example pipe://ipckit-demo.", nameof(endpoint));
        }

        UnixPath.CheckLength(GetSocketPath(name), "named pipe");
        return name;
    }

    private sealed class NamedPipeListener : IListener
    {
        private readonly string _name;
        private readonly string _path;
        private readonly NamedPipeTransportOptions _options;
        private readonly CancellationTokenSource _disposed = new();
        private readonly Lock _gate = new();
        private NamedPipeServerStream? _next;
        private int _disposeCalled;

        internal NamedPipeListener(Endpoint endpoint, string name, string path, NamedPipeTransportOptions options)
        {
            Endpoint = endpoint;
            _name = name;
            _path = path;
            _options = options;
            try
            {
                // Create the first instance now: the socket file exists, and clients can queue, once ListenAsync returns.
                _next = CreateInstance();
            }
            catch (IOException e)
            {
                throw new EndpointInUseException($"Cannot listen on {endpoint}: {e.Message}", e);
            }
        }

        public Endpoint Endpoint { get; }

        /// <inheritdoc/>
        public bool ReplacedStaleEndpoint { get; init; }

        public async ValueTask<IConnection?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
            while (true)
            {
                NamedPipeServerStream? server;
                lock (_gate)
                {
                    server = _next;
                    _next = null;
                }

                if (server is null || _disposed.IsCancellationRequested)
                {
                    server?.Dispose();
                    return null;
                }

                try
                {
                    await server.WaitForConnectionAsync(linked.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (_disposed.IsCancellationRequested && e is OperationCanceledException or IOException or ObjectDisposedException)
                {
                    server.Dispose();
                    return null;
                }
                catch (OperationCanceledException)
                {
                    // Start the successor before closing this one, so the shared socket file never disappears.
                    var fresh = CreateInstance();
                    server.Dispose();
                    Replace(fresh);
                    throw;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // A client of another user, or one that vanished during the handshake: drop it and keep accepting.
                    var fresh = CreateInstance();
                    server.Dispose();
                    Replace(fresh);
                    continue;
                }

                lock (_gate)
                {
                    if (!_disposed.IsCancellationRequested)
                    {
                        _next = CreateInstance();
                    }
                }

                var stream = DescriptorStream.OverPipe(server, isSocket: true);
                return new FramedStreamConnection(Endpoint, stream, stream, _options.MaxMessageSize);
            }
        }

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposeCalled, 1) == 0)
            {
                _disposed.Cancel();
                lock (_gate)
                {
                    _next?.Dispose();
                    _next = null;
                }

                // .NET removes the socket file with the last server instance; make sure, whatever is still connected.
                try
                {
                    if (Libc.Stat(_path) is { } stat && Libc.IsSocket(stat.Type))
                    {
                        File.Delete(_path);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                }
            }

            return ValueTask.CompletedTask;
        }

        private void Replace(NamedPipeServerStream server)
        {
            lock (_gate)
            {
                if (_next is null && !_disposed.IsCancellationRequested)
                {
                    _next = server;
                    return;
                }
            }

            server.Dispose();
        }

        private NamedPipeServerStream CreateInstance() =>
            new(_name, PipeDirection.InOut, NamedPipeServerStream.MaxAllowedServerInstances, PipeTransmissionMode.Byte,
                PipeOptions.Asynchronous | (_options.CurrentUserOnly ? PipeOptions.CurrentUserOnly : PipeOptions.None));
    }
}
