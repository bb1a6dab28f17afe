using System.Net;
using System.Net.Sockets;

namespace IpcKit.Transports.Internal;

/// <summary>Connect with our own deadline: retry while the listener is not there yet, fail with a typed error when time is up.</summary>
/// <remarks>
/// The connect itself is a blocking call on a pool thread, not <c>Socket.ConnectAsync</c>: once a .NET socket has run an
/// asynchronous operation its descriptor stays non-blocking, and every later synchronous Send/Receive is emulated through
/// the epoll thread: two more context switches per message, which multiplied unix-socket round trips several times over.
/// </remarks>
internal static class SocketConnector
{
    internal static async ValueTask<Socket> ConnectAsync(
        Func<Socket> create, EndPoint target, Endpoint endpoint, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        int delayMs = 1;
        SocketException? last = null;
        while (true)
        {
            var socket = create();
            try
            {
                var connect = Task.Run(() => socket.Connect(target), CancellationToken.None);
                await connect.WaitAsync(deadline.Token).ConfigureAwait(false);
                return socket;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable
                                            or SocketError.WouldBlock or SocketError.TryAgain or SocketError.TimedOut)
            {
                // Not listening yet, or its backlog is full: try again until the deadline.
                socket.Dispose();
                last = e;
            }
            catch (SocketException e)
            {
                socket.Dispose();
                throw new EndpointNotFoundException($"Cannot connect to {endpoint}: {e.Message}", e);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                throw Timeout(endpoint, timeout, last);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            try
            {
                await Task.Delay(delayMs, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw Timeout(endpoint, timeout, last);
            }

            delayMs = Math.Min(delayMs * 2, 50);
        }
    }

    private static EndpointNotFoundException Timeout(Endpoint endpoint, TimeSpan timeout, SocketException? last) =>
        new($"Nothing accepted a connection at {endpoint} within {timeout.TotalSeconds:0.###} s" +
            (last is null ? "." : $" (last error: {last.Message}). Is the listener running?"), last);
}
