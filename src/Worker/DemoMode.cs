using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using IpcKit.Transports;

namespace IpcKit.Worker;

/// <summary>
/// The worker's side of `ipckit demo`: started as <c>IpcKit.Worker --demo NAME ...</c>, it speaks plain text lines on
/// stdin and stdout instead of the control protocol, and exits when stdin closes.
/// </summary>
internal static class DemoMode
{
    public static async Task<int> RunAsync(string[] args)
    {
        switch (args)
        {
            case ["isolation"]:
                return await IsolationAsync();
            case ["count", var text] when long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long increments):
                Count(increments);
                return 0;
            default:
                await Console.Error.WriteLineAsync("usage: IpcKit.Worker --demo isolation | --demo count N (started by `ipckit demo`)");
                return 2;
        }
    }

    /// <summary>
    /// Reports <see cref="DemoState.Value"/> on <c>get</c>; on <c>receive ENDPOINT</c> connects there, takes the new
    /// value from the first message and stores it. The coordinator changes its own copy of the same field meanwhile.
    /// </summary>
    private static async Task<int> IsolationAsync()
    {
        var stdout = Console.Out;
        await stdout.WriteLineAsync(Invariant($"ready {DemoState.Value} {Environment.ProcessId}"));
        while (await Console.In.ReadLineAsync() is { } line)
        {
            if (line == "get")
            {
                await stdout.WriteLineAsync(Invariant($"value {DemoState.Value}"));
            }
            else if (line.StartsWith("receive ", StringComparison.Ordinal))
            {
                await using var connection = await TransportRegistry.Default.ConnectAsync(Endpoint.Parse(line["receive ".Length..]));
                var message = await connection.ReceiveAsync() ?? throw new InvalidOperationException("The coordinator closed the connection before sending the value.");
                DemoState.Value = BinaryPrimitives.ReadInt64LittleEndian(message.Span);
                await stdout.WriteLineAsync(Invariant($"received {DemoState.Value}"));
            }
            else
            {
                await Console.Error.WriteLineAsync($"ipckit-worker: unknown demo command '{line}'.");
                return 2;
            }
        }

        return 0;
    }

    /// <summary>
    /// The race demo's work, done alone: the same unsynchronized read-modify-write the coordinator's racing threads do,
    /// on a field no one else can see. Prints <c>count N NANOSECONDS</c>.
    /// </summary>
    private static void Count(long increments)
    {
        long start = Stopwatch.GetTimestamp();
        for (long i = 0; i < increments; i++)
        {
            Volatile.Write(ref s_counter, Volatile.Read(ref s_counter) + 1);
        }

        long ns = (long)Stopwatch.GetElapsedTime(start).TotalNanoseconds;
        Console.Out.WriteLine(Invariant($"count {s_counter} {ns}"));
    }

    private static long s_counter;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The value the isolation demo changes. It is set when the process starts; every process that loads this assembly
/// (the coordinator does too) has its own copy, and a thread of that process sees the same one.
/// </summary>
internal static class DemoState
{
    public const long Initial = 1;

    private static long s_value = Initial;

    public static long Value
    {
        get => Volatile.Read(ref s_value);
        set => Volatile.Write(ref s_value, value);
    }
}
