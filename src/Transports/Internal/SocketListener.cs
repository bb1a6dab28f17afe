using System.Net.Sockets;
using IpcKit.Transports.Connections;

namespace IpcKit.Transports.Internal;

/// <summary>The accept loop shared by the Unix socket and TCP listeners.</summary>
internal sealed class SocketListener : IListener
{
    private readonly Socket _socket;
    private readonly Action<Socket> _configureAccepted;
    private readonly Action? _onDispose;
    private readonly int _maxMessageSize;
    private readonly CancellationTokenSource _disposed = new();
    private int _disposeCalled;

    internal SocketListener(Endpoint endpoint, Socket socket, int maxMessageSize, Action<Socket> configureAccepted, Action? onDispose)
    {
        Endpoint = endpoint;
        _socket = socket;
        _maxMessageSize = maxMessageSize;
        _configureAccepted = configureAccepted;
        _onDispose = onDispose;
    }

    public Endpoint Endpoint { get; }

    /// <inheritdoc/>
    public bool ReplacedStaleEndpoint { get; init; }

    public async ValueTask<IConnection?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync(linked.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (_disposed.IsCancellationRequested && e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return null;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                // A client that gave up while queued: not the listener's problem, keep accepting.
                continue;
            }
            catch (SocketException e)
            {
                throw new IpcException($"Accepting on {Endpoint} failed: {e.Message}", e);
            }

            _configureAccepted(accepted);
            return FramedStreamConnection.OverSocket(Endpoint, accepted, _maxMessageSize);
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposeCalled, 1) == 0)
        {
            _disposed.Cancel();
            _socket.Dispose();
            _onDispose?.Invoke();
            _disposed.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}
