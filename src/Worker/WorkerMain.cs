using System.Diagnostics;
using System.Globalization;
using IpcKit.Protocol;
using IpcKit.Transports;

namespace IpcKit.Worker;

internal static class WorkerMain
{
    private static readonly TimeSpan ConfigureTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Fault injection for IpcKit's own end-to-end tests, like a dummy child program: <c>fail-start</c> exits before
    /// connecting; <c>hang</c> stops answering (and reading) after 1000 messages, <c>hang:N</c> after N; <c>intrude</c>
    /// knocks with a wrong cookie and with garbage before connecting to a remote coordinator (DataConnect). Unset in
    /// normal use.
    /// </summary>
    internal const string FaultVariable = "IPCKIT_WORKER_FAULT";

    private static long HangAfter(string? fault) =>
        fault == "hang" ? 1000
        : fault is ['h', 'a', 'n', 'g', ':', .. var n] && long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out long count) ? count
        : long.MaxValue;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] is "-h" or "--help")
        {
            Console.Error.WriteLine("IpcKit.Worker is started by `ipckit`; it speaks the control protocol on stdin/stdout (docs/protocol.md).");
            return 0;
        }

        if (args is ["--demo", .. var demo])
        {
            return await DemoMode.RunAsync(demo);
        }

        var control = new ControlChannel(Console.OpenStandardInput(), Console.OpenStandardOutput());
        try
        {
            using var configureDeadline = new CancellationTokenSource(ConfigureTimeout);
            if (await control.ReceiveAsync(configureDeadline.Token) is not ConfigureMessage configure)
            {
                Console.Error.WriteLine("ipckit-worker: expected a configure message first.");
                return 2;
            }

            string? fault = Environment.GetEnvironmentVariable(FaultVariable);
            if (fault == "fail-start")
            {
                Console.Error.WriteLine("ipckit-worker: simulated start failure (IPCKIT_WORKER_FAULT=fail-start)");
                return 1;
            }

            await using IConnection data = await DataConnect.ConnectAsync(configure.Endpoint, fault);
            WatchCoordinator(control, data);

            var start = ProcessCounters.Self();
            var role = new RoleRunner(data, configure) { HangAfter = HangAfter(fault) };
            var thread = new Thread(role.Run) { IsBackground = true, Name = "ipckit-worker-io" };
            thread.Start();
            int cpu = await role.Pinned.Task.WaitAsync(TimeSpan.FromSeconds(10));
            control.Send(new ReadyMessage(Environment.ProcessId, cpu));

            await role.Done.Task;
            var spent = ProcessCounters.Self().Since(start);
            control.Send(new ResultMessage(role.Verifier.Received, role.Verifier.Corrupted, role.Verifier.Lost, spent));
            return 0;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"ipckit-worker: {e.GetType().Name}: {e.Message}");
            try
            {
                control.Send(new ErrorMessage(e.GetType().Name, e.Message));
            }
            catch (IpcException)
            {
                // The coordinator is gone; stderr is all there is.
            }

            return 1;
        }
        finally
        {
            await control.DisposeAsync();
        }
    }

    /// <summary>
    /// Answers the coordinator's requests for this process's CPU counters (read around each timed part of a case); end
    /// of stream on stdin means the coordinator is gone: abort the data connection and leave.
    /// </summary>
    private static void WatchCoordinator(ControlChannel control, IConnection data) =>
        _ = Task.Run(async () =>
        {
            try
            {
                while (await control.ReceiveAsync() is { } message)
                {
                    if (message is CountersRequest)
                    {
                        control.Send(new CountersMessage(ProcessCounters.Self()));
                    }
                }
            }
            catch (IpcException)
            {
            }

            data.Abort();
            Console.Error.WriteLine("ipckit-worker: the coordinator closed the control channel; exiting.");
            Environment.Exit(3);
        });
}

/// <summary>Runs the worker's role on a dedicated (optionally pinned) thread with the blocking API.</summary>
internal sealed class RoleRunner(IConnection data, ConfigureMessage configure)
{
    public TaskCompletionSource<int> Pinned { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StreamVerifier Verifier { get; } = new();

    /// <summary>For tests: stop answering after this many messages (see WorkerMain.FaultVariable).</summary>
    public long HangAfter { get; init; } = long.MaxValue;

    public void Run()
    {
        try
        {
            if (configure.Cpu >= 0)
            {
                Affinity.PinCurrentThread(configure.Cpu);
            }

            Pinned.SetResult(configure.Cpu >= 0 ? Affinity.CurrentCpu() : -1);
            Roles.Run(configure.Role, data, configure, Verifier, HangAfter);
            Done.SetResult();
        }
        catch (Exception e)
        {
            Pinned.TrySetException(e);
            Done.TrySetException(e);
        }
    }
}
