// Quick figures for the mmf transport: run with `dotnet run -c Release --project scripts/MmfBench [transport]`.
// Two threads of this process, pinned to CPUs 0 and 1, talk through a real /dev/shm mapping (or thread:// rings).
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using IpcKit.Transports;

string scheme = args.Length > 0 ? args[0] : "mmf";
Console.WriteLine(FormattableString.Invariant($"{scheme}: {Environment.ProcessorCount} CPUs, {RuntimeInformation.FrameworkDescription}"));

Console.WriteLine(FormattableString.Invariant($"memcpy 1 MiB (one thread): {MemcpyBandwidth() / 1e9:F2} GB/s"));
foreach (string wait in new[] { "spin", "block", "backoff" })
{
    var (p50, p99, n) = await RoundTrip(scheme, wait, 64, wait == "spin" ? 300_000 : 50_000);
    Console.WriteLine(FormattableString.Invariant($"{wait,-8} 64 B round trip: p50 {p50:F2} us, p99 {p99:F2} us ({n} round trips)"));
}

foreach (string wait in new[] { "spin", "backoff" })
{
    var (rate, _) = await OneWay(scheme, wait, 64, 20_000_000, "1MiB");
    Console.WriteLine(FormattableString.Invariant($"{wait,-8} 64 B one way: {rate / 1e6:F2} M msgs/s"));
}

foreach (string cap in new[] { "1MiB", "4MiB" })
{
    var (rate, bytes) = await OneWay(scheme, "spin", 1 << 20, 4000, cap);
    Console.WriteLine(FormattableString.Invariant($"spin     1 MiB one way (capacity {cap}): {bytes / 1e9:F2} GB/s ({rate:F0} msgs/s)"));
}

return 0;

static async Task<(IConnection Client, IConnection Server, IListener Listener)> Pair(string scheme, string wait, string capacity)
{
    var endpoint = Endpoint.Parse($"{scheme}://bench-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40] + $"?wait={wait}&capacity={capacity}");
    var listener = await TransportRegistry.Default.ListenAsync(endpoint);
    var accept = listener.AcceptAsync().AsTask();
    var client = await TransportRegistry.Default.ConnectAsync(endpoint);
    var server = (await accept)!;
    return (client, server, listener);
}

static async Task<(double P50, double P99, int N)> RoundTrip(string scheme, string wait, int size, int n)
{
    var (client, server, listener) = await Pair(scheme, wait, "1MiB");
    var echo = new Thread(() =>
    {
        Pin(1);
        while (server.Receive() is { } m)
        {
            server.Send(m.Span);
        }
    });
    echo.Start();
    var samples = new long[n];
    var t = new Thread(() =>
    {
        Pin(0);
        var msg = new byte[size];
        for (int i = 0; i < n / 5; i++)
        {
            client.Send(msg);
            client.Receive();
        }

        for (int i = 0; i < n; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            client.Send(msg);
            client.Receive();
            samples[i] = Stopwatch.GetTimestamp() - t0;
        }
    });
    t.Start();
    t.Join();
    client.Dispose();
    echo.Join();
    server.Dispose();
    await listener.DisposeAsync();
    Array.Sort(samples);
    double us = 1e6 / Stopwatch.Frequency;
    return (samples[n / 2] * us, samples[n * 99 / 100] * us, n);
}

static async Task<(double Rate, double Bytes)> OneWay(string scheme, string wait, int size, int n, string capacity)
{
    var (client, server, listener) = await Pair(scheme, wait, capacity);
    long received = 0;
    var sink = new Thread(() =>
    {
        Pin(1);
        while (server.Receive() is { } m)
        {
            received += m.Length;
        }
    });
    sink.Start();
    var msg = new byte[size];
    double seconds = 0;
    var t = new Thread(() =>
    {
        Pin(0);
        for (int i = 0; i < Math.Max(n / 10, 1); i++)
        {
            client.Send(msg);
        }

        long t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
        {
            client.Send(msg);
        }

        seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
    });
    t.Start();
    t.Join();
    client.Dispose();
    sink.Join();
    server.Dispose();
    await listener.DisposeAsync();
    return (n / seconds, (double)n * size / seconds);
}

static unsafe double MemcpyBandwidth()
{
    byte[] a = new byte[1 << 20], b = new byte[1 << 20];
    for (int i = 0; i < 200; i++)
    {
        a.CopyTo(b, 0);
    }

    long t0 = Stopwatch.GetTimestamp();
    const int n = 4000;
    for (int i = 0; i < n; i++)
    {
        a.CopyTo(b, 0);
    }

    return (double)n * a.Length / Stopwatch.GetElapsedTime(t0).TotalSeconds;
}

static unsafe void Pin(int cpu)
{
    ulong mask = 1UL << cpu;
    _ = SchedSetAffinity(0, sizeof(ulong), &mask);
}

[DllImport("libc", EntryPoint = "sched_setaffinity")]
static extern unsafe int SchedSetAffinity(int pid, nint size, ulong* mask);
