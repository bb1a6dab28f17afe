using IpcKit.Protocol;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Remote;

/// <summary>
/// A data listener open to another host that hands out exactly one connection: the first one whose first message is
/// the one-time cookie (<see cref="DataCookie"/>). Connections are checked concurrently, so a silent or slow intruder
/// cannot hold the door against the right peer; a wrong cookie, garbage, or silence for 5 s gets the connection
/// dropped while the listener keeps waiting, until the caller's deadline. Once the right peer is in, the port closes.
/// </summary>
internal sealed class CookieListener : IListener
{
    /// <summary>How long a new connection may take to present its first message.</summary>
    internal static readonly TimeSpan PresentTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Connections checked at once; more are dropped on arrival (a flood cannot grow memory).</summary>
    internal const int MaxPending = 16;

    private readonly IListener _inner;
    private readonly byte[] _cookie;
    private readonly Action<string> _report;
    private int _handedOut;
    private int _disposed;
    private int _dropped;

    /// <param name="inner">The transport's listener; this one owns and disposes it.</param>
    /// <param name="cookie">The cookie the right peer presents.</param>
    /// <param name="report">Told of every dropped connection, in a sentence.</param>
    public CookieListener(IListener inner, byte[] cookie, Action<string> report)
    {
        _inner = inner;
        _cookie = cookie;
        _report = report;
        Endpoint = DataCookie.AddTo(inner.Endpoint, cookie);
    }

    /// <summary>The endpoint to hand the worker: the bound address, with the cookie in its query.</summary>
    public Endpoint Endpoint { get; }

    /// <summary>How many connections were dropped for not presenting the cookie.</summary>
    public int Dropped => Volatile.Read(ref _dropped);

    /// <summary>The first connection that presents the cookie; null once one was handed out or after dispose.</summary>
    public async ValueTask<IConnection?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _handedOut) != 0 || Volatile.Read(ref _disposed) != 0)
        {
            return null;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var checks = new List<Task<IConnection?>>();
        Task<IConnection?>? accept = null;
        try
        {
            while (true)
            {
                accept ??= _inner.AcceptAsync(stop.Token).AsTask();
                var done = await Task.WhenAny([accept, .. checks]).ConfigureAwait(false);
                if (done == accept)
                {
                    accept = null;
                    if (await done.ConfigureAwait(false) is not { } connection)
                    {
                        return null; // disposed meanwhile
                    }

                    if (checks.Count >= MaxPending)
                    {
                        await DropAsync(connection, $"arrived while {MaxPending} others were still being checked").ConfigureAwait(false);
                        continue;
                    }

                    checks.Add(CheckAsync(connection, stop.Token));
                    continue;
                }

                checks.Remove(done);
                if (await done.ConfigureAwait(false) is { } admitted)
                {
                    Interlocked.Exchange(ref _handedOut, 1);
                    return admitted;
                }
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            // Cancelled checks drop their connections; an accept that won the race against the cancel is dropped here.
            await Task.WhenAll(checks).ConfigureAwait(false);
            if (accept is not null && await Quietly(accept).ConfigureAwait(false) is { } late)
            {
                await late.DisposeAsync().ConfigureAwait(false);
            }

            if (Volatile.Read(ref _handedOut) != 0)
            {
                // The listener exists for one peer only: nobody else can even try from now on.
                await DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _inner.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<IConnection?> CheckAsync(IConnection connection, CancellationToken stop)
    {
        string? why;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
        deadline.CancelAfter(PresentTimeout);
        try
        {
            var first = await connection.ReceiveAsync(deadline.Token).ConfigureAwait(false);
            if (first is { } message && DataCookie.Matches(message.Span, _cookie))
            {
                return connection;
            }

            why = first is null ? "closed without presenting anything" : $"presented a wrong cookie ({first.Value.Length} bytes)";
        }
        catch (OperationCanceledException)
        {
            why = stop.IsCancellationRequested ? null : $"presented nothing within {PresentTimeout.TotalSeconds:0} s";
        }
        catch (IpcException e)
        {
            why = $"sent bytes that are not a cookie ({e.Message})";
        }

        if (why is null)
        {
            await connection.DisposeAsync().ConfigureAwait(false); // the right peer came first: not an intruder
        }
        else
        {
            await DropAsync(connection, why).ConfigureAwait(false);
        }

        return null;
    }

    private async Task DropAsync(IConnection connection, string why)
    {
        Interlocked.Increment(ref _dropped);
        connection.Abort();
        await connection.DisposeAsync().ConfigureAwait(false);
        _report($"dropped a data connection to {_inner.Endpoint} that {why}; still waiting for the worker.");
    }

    private static async Task<IConnection?> Quietly(Task<IConnection?> accept)
    {
        try
        {
            return await accept.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IpcException)
        {
            return null;
        }
    }
}
