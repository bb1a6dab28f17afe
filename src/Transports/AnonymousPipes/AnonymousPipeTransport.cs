using System.Globalization;
using System.IO.Pipes;
using IpcKit.Transports.Connections;
using IpcKit.Transports.Internal;

namespace IpcKit.Transports.AnonymousPipes;

/// <summary>Settings of <see cref="AnonymousPipeTransport"/>.</summary>
public sealed class AnonymousPipeTransportOptions : TransportOptions
{
    /// <summary>
    /// Bytes of kernel buffer each of the two pipes is given (<c>F_SETPIPE_SZ</c>), so that a sender can run ahead of
    /// its reader by more than one 64 KiB message; 0 keeps the kernel's default (64 KiB). Best effort: the kernel
    /// caps it at /proc/sys/fs/pipe-max-size (1 MiB by default) and at the user's pipe page quota. Pages are taken
    /// only as data sits in the pipe. Default: 1 MiB.
    /// </summary>
    public int PipeBufferSize { get; init; } = 1 << 20;

    internal AnonymousPipeTransportOptions Validated()
    {
        ValidateCommon();
        if (PipeBufferSize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(PipeBufferSize), PipeBufferSize, "PipeBufferSize must be 0 (the kernel's default) or a size in bytes.");
        }

        return this;
    }
}

/// <summary>
/// Anonymous pipes (<c>anon-pipe://</c>): two kernel pipes, one per direction, whose child ends a spawned process
/// inherits as file descriptors. Listening creates the pair; the listener's <see cref="IListener.Endpoint"/>
/// (<c>anon-pipe://?read=FD&amp;write=FD</c>) is what the child passes to <see cref="ConnectAsync"/>.
/// </summary>
/// <remarks>
/// An anonymous pipe has exactly one peer: the first accept returns the connection, later ones wait for dispose and
/// return null. Start the child, then call <see cref="IHandleInheritingListener.DisposeLocalCopyOfClientHandles"/>,
/// or this process keeps the child's ends open and never sees end of stream. While such a listener exists, any other
/// child started by this process inherits the descriptors too: start children one at a time, under one lock of your
/// own held from the start of a child to the disposal of its handles (IpcKit's launcher holds <c>ChildCommand.SpawnLock</c>).
/// </remarks>
public sealed class AnonymousPipeTransport : ITransport
{
    private static readonly Dictionary<nint, Listener> s_localClientHandles = [];
    private readonly AnonymousPipeTransportOptions _options;

    /// <summary>Creates the transport with the given settings, or the defaults.</summary>
    public AnonymousPipeTransport(AnonymousPipeTransportOptions? options = null) => _options = (options ?? new()).Validated();

    /// <inheritdoc/>
    public string Scheme => "anon-pipe";

    /// <inheritdoc/>
    public IReadOnlyList<string> Aliases => ["anonymous-pipe"];

    /// <inheritdoc/>
    public string Description => "Anonymous pipes (AnonymousPipeServerStream), one per direction, inherited by the child process";

    /// <inheritdoc/>
    public Endpoint CreateEphemeralEndpoint(string scratchDirectory) => Endpoint.Create(Scheme, "");

    /// <inheritdoc/>
    public ValueTask<IListener> ListenAsync(Endpoint endpoint, CancellationToken cancellationToken = default)
    {
        CheckScheme(endpoint);
        var toChild = new AnonymousPipeServerStream(PipeDirection.Out, HandleInheritability.Inheritable);
        var fromChild = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.Inheritable);
        if (_options.PipeBufferSize > 0)
        {
            // The size belongs to the pipe, so setting it at this end serves both.
            Libc.TrySetPipeSize(toChild.SafePipeHandle.DangerousGetHandle(), _options.PipeBufferSize);
            Libc.TrySetPipeSize(fromChild.SafePipeHandle.DangerousGetHandle(), _options.PipeBufferSize);
        }

        string read = toChild.GetClientHandleAsString();
        string write = fromChild.GetClientHandleAsString();
        var bound = Endpoint.Create(Scheme, "", [new("read", read), new("write", write)]);
        var listener = new Listener(bound, toChild, fromChild, _options.MaxMessageSize);
        lock (s_localClientHandles)
        {
            s_localClientHandles[toChild.ClientSafePipeHandle.DangerousGetHandle()] = listener;
            s_localClientHandles[fromChild.ClientSafePipeHandle.DangerousGetHandle()] = listener;
        }

        return ValueTask.FromResult<IListener>(listener);
    }

    /// <inheritdoc/>
    public ValueTask<IConnection> ConnectAsync(Endpoint endpoint, CancellationToken cancellationToken = default)
    {
        CheckScheme(endpoint);
        nint read = ParseHandle(endpoint, "read");
        nint write = ParseHandle(endpoint, "write");
        Listener? local;
        lock (s_localClientHandles)
        {
            local = s_localClientHandles.GetValueOrDefault(read) ?? s_localClientHandles.GetValueOrDefault(write);
        }

        // In a child, the inherited descriptors are ours to own. In the process that created them (tests, a
        // thread playing the child), the listener owns them: take duplicates, then let the listener close its copies,
        // exactly as it would once a child had started.
        var input = DescriptorStream.OverPipe(new AnonymousPipeClientStream(PipeDirection.In, Adopt(read, local is not null, endpoint)), isSocket: false);
        var output = DescriptorStream.OverPipe(new AnonymousPipeClientStream(PipeDirection.Out, Adopt(write, local is not null, endpoint)), isSocket: false);
        local?.DisposeLocalCopyOfClientHandles();
        return ValueTask.FromResult<IConnection>(new FramedStreamConnection(endpoint, input, output, _options.MaxMessageSize));
    }

    private static Microsoft.Win32.SafeHandles.SafePipeHandle Adopt(nint fd, bool duplicate, Endpoint endpoint)
    {
        if (!duplicate)
        {
            if (Libc.FdIsOpen(fd) == false)
            {
                throw new EndpointNotFoundException($"Cannot connect to {endpoint}: descriptor {fd} is not open in this process. Was it inherited from the parent?");
            }

            return new Microsoft.Win32.SafeHandles.SafePipeHandle(fd, ownsHandle: true);
        }

        return new Microsoft.Win32.SafeHandles.SafePipeHandle(Libc.DuplicateCloseOnExec(fd), ownsHandle: true);
    }

    private static nint ParseHandle(Endpoint endpoint, string key)
    {
        string? text = endpoint.GetQueryValue(key);
        if (text is null || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long fd) || fd < 0 || fd > int.MaxValue)
        {
            throw new ArgumentException($"The endpoint {endpoint} needs '{key}=<descriptor>' as produced by listening on anon-pipe://.", nameof(endpoint));
        }

        return (nint)fd;
    }

    private void CheckScheme(Endpoint endpoint)
    {
        if (endpoint.Scheme != Scheme && endpoint.Scheme != "anonymous-pipe")
        {
            throw new ArgumentException($"The anon-pipe transport cannot use the endpoint {endpoint}.", nameof(endpoint));
        }
    }

    private sealed class Listener : IHandleInheritingListener
    {
        private readonly AnonymousPipeServerStream _toChild;
        private readonly AnonymousPipeServerStream _fromChild;
        private readonly int _maxMessageSize;
        private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _accepted;
        private int _released;

        internal Listener(Endpoint endpoint, AnonymousPipeServerStream toChild, AnonymousPipeServerStream fromChild, int maxMessageSize)
        {
            Endpoint = endpoint;
            _toChild = toChild;
            _fromChild = fromChild;
            _maxMessageSize = maxMessageSize;
        }

        public Endpoint Endpoint { get; }

        public async ValueTask<IConnection?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _accepted, 1) == 0 && !_disposed.Task.IsCompleted)
            {
                // The server ends become the connection; the listener no longer closes them.
                return new FramedStreamConnection(
                    Endpoint, DescriptorStream.OverPipe(_fromChild, isSocket: false), DescriptorStream.OverPipe(_toChild, isSocket: false), _maxMessageSize, onDispose: DisposeLocalCopyOfClientHandles);
            }

            await _disposed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }

        public void DisposeLocalCopyOfClientHandles()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
            {
                return;
            }

            lock (s_localClientHandles)
            {
                s_localClientHandles.Remove(_toChild.ClientSafePipeHandle.DangerousGetHandle());
                s_localClientHandles.Remove(_fromChild.ClientSafePipeHandle.DangerousGetHandle());
            }

            _toChild.DisposeLocalCopyOfClientHandle();
            _fromChild.DisposeLocalCopyOfClientHandle();
        }

        public ValueTask DisposeAsync()
        {
            DisposeLocalCopyOfClientHandles();
            if (Volatile.Read(ref _accepted) == 0)
            {
                _toChild.Dispose();
                _fromChild.Dispose();
            }

            _disposed.TrySetResult();
            return ValueTask.CompletedTask;
        }
    }
}
