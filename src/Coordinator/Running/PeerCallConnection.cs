using IpcKit.Peers;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Running;

/// <summary>
/// A framework peer's call channel where the runner expects a data connection: it can be aborted (which fails the
/// framework call the measuring thread is blocked in) and disposed, but it carries no frames — the request workload
/// calls the peer's <see cref="IOrderClient"/> instead, and the plan gives a peer no other workload.
/// </summary>
internal sealed class PeerCallConnection(IOrderClient client, Endpoint endpoint) : IConnection
{
    private readonly CancellationTokenSource _closed = new();

    public Endpoint Endpoint { get; } = endpoint;

    public int MaxMessageSize => 0;

    public CancellationToken Closed => _closed.Token;

    public ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default) => throw NoFrames();

    public ValueTask<ReadOnlyMemory<byte>?> ReceiveAsync(CancellationToken cancellationToken = default) => throw NoFrames();

    public void Send(ReadOnlySpan<byte> message) => throw NoFrames();

    public ReadOnlyMemory<byte>? Receive() => throw NoFrames();

    public void Abort()
    {
        client.Abort();
        Close();
    }

    public void Dispose() => Close();

    public ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }

    private void Close()
    {
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private NotSupportedException NoFrames() =>
        new($"{Endpoint.Scheme} is a framework peer: its calls go through its own client, not frames on a connection.");
}
