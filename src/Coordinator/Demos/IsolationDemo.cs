using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using IpcKit.Coordinator.Running;
using IpcKit.Transports;
using IpcKit.Worker;

namespace IpcKit.Coordinator.Demos;

/// <summary>
/// A thread sees a change to its process's memory at once; another process has its own copy of the same variable and
/// sees the change only once the value is sent to it over a transport.
/// </summary>
internal sealed class IsolationDemo : IDemo
{
    private const long Changed = 2;
    private static readonly TimeSpan AcceptTimeout = TimeSpan.FromSeconds(20);

    public string Name => "isolation";

    public string Summary => "A thread sees a change to this process's memory; a worker process sees its own copy until the value is sent over a Unix socket.";

    public static string Claim =>
        "Threads of one process share its memory; another process has its own copy of every variable, so a change reaches it only when it is sent over IPC.";

    public async Task<DemoResult> RunAsync(DemoOutput output, CancellationToken cancellationToken)
    {
        DemoState.Value = DemoState.Initial; // in case an earlier run in this process changed it
        output.Say($"DemoState.Value is a static field, set to {DemoState.Initial} when a process starts. The coordinator (pid {Environment.ProcessId}) starts a reader thread");
        output.Say("and a worker process (the same IpcKit.Worker assembly, loaded in a separate process), before changing anything.");

        using var reader = new ReaderThread();
        await using var worker = DemoWorker.Start("isolation");
        long[] ready = await worker.ReadNumbersAsync("ready", cancellationToken);
        long threadBefore = await reader.ReadAsync(cancellationToken);
        output.Say($"  before:  thread reads {threadBefore}, worker process (pid {ready[1]}) reads {ready[0]}");

        DemoState.Value = Changed;
        output.Say($"The coordinator sets DemoState.Value = {Changed} in its own memory. Both are asked to read it again:");
        long threadAfter = await reader.ReadAsync(cancellationToken);
        await worker.SendLineAsync("get", cancellationToken);
        long processAfter = (await worker.ReadNumbersAsync("value", cancellationToken))[0];
        output.Say($"  after:   thread reads {threadAfter} (same address space), worker process reads {processAfter} (its own copy)");

        // Now send the value across: a Unix socket, the coordinator listening and the worker connecting.
        using var scratch = ScratchSpace.Create();
        var unix = TransportRegistry.Default.Get("unix");
        await using var listener = await unix.ListenAsync(unix.CreateEphemeralEndpoint(scratch.Path), cancellationToken);
        await worker.SendLineAsync($"receive {listener.Endpoint}", cancellationToken);
        await using var connection = await listener.AcceptAsync(cancellationToken).AsTask().WaitAsync(AcceptTimeout, cancellationToken)
            ?? throw new WorkerFailedException("The Unix socket listener closed before the worker connected.");
        var message = new byte[sizeof(long)];
        BinaryPrimitives.WriteInt64LittleEndian(message, DemoState.Value);
        await connection.SendAsync(message, cancellationToken);
        long received = (await worker.ReadNumbersAsync("received", cancellationToken))[0];
        await worker.SendLineAsync("get", cancellationToken);
        long processAfterIpc = (await worker.ReadNumbersAsync("value", cancellationToken))[0];
        output.Say($"The coordinator sends {Changed} as 8 bytes over a Unix socket ({listener.Endpoint}); the worker stores what it receives.");
        output.Say($"  sent:    worker process reads {processAfterIpc}");
        output.Say();
        output.Say("A thread needs no message: it reads the very memory that was written. A process cannot; the only way");
        output.Say("in is a channel the kernel provides (pipe, socket, shared mapping, file). That is what IPC is.");

        bool held = threadAfter == Changed && processAfter == DemoState.Initial && received == Changed && processAfterIpc == Changed;
        string verdict = held
            ? $"Held: the thread saw {threadAfter} at once; the process kept {processAfter} until {processAfterIpc} arrived over the socket."
            : $"Did not hold: thread read {threadAfter}, process read {processAfter} before and {processAfterIpc} after the socket.";
        var figures = new JsonObject
        {
            ["initial"] = DemoState.Initial,
            ["changedTo"] = Changed,
            ["coordinatorPid"] = Environment.ProcessId,
            ["workerPid"] = worker.Pid,
            ["threadBefore"] = threadBefore,
            ["threadAfter"] = threadAfter,
            ["processBefore"] = ready[0],
            ["processAfter"] = processAfter,
            ["transport"] = unix.Scheme,
            ["processAfterTransport"] = processAfterIpc,
        };
        return new DemoResult(Name, Claim, held, verdict, figures);
    }

    /// <summary>A thread started before the change, reading DemoState.Value whenever asked.</summary>
    private sealed class ReaderThread : IDisposable
    {
        private readonly BlockingCollection<TaskCompletionSource<long>> _requests = [];
        private readonly Thread _thread;

        public ReaderThread()
        {
            _thread = new Thread(() =>
            {
                foreach (var request in _requests.GetConsumingEnumerable())
                {
                    request.SetResult(DemoState.Value);
                }
            })
            { IsBackground = true, Name = "ipckit-demo-reader" };
            _thread.Start();
        }

        public Task<long> ReadAsync(CancellationToken cancellationToken)
        {
            var request = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            _requests.Add(request, cancellationToken);
            return request.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }

        public void Dispose()
        {
            _requests.CompleteAdding();
            _thread.Join(TimeSpan.FromSeconds(5));
            _requests.Dispose();
        }
    }
}
