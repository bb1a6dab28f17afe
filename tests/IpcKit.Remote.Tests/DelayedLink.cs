using System.Runtime.InteropServices;

namespace IpcKit.Remote.Tests;

/// <summary>
/// A namespace whose link delays every frame by a fixed time each way, and optionally drops a share of them. With tc netem where the kernel has it
/// (CONFIG_NET_SCH_NETEM); where it does not (some VM kernels, like this project's CI), with a TAP pair whose frames
/// this test process carries across itself, holding each one for the delay: the same link in user space. Either way
/// the worker's traffic crosses a link that is at least that slow, which is all the test claims.
/// </summary>
internal sealed partial class DelayedLink : IAsyncDisposable
{
    private readonly TapRelay? _relay;

    private DelayedLink(NetworkNamespace far, TapRelay? relay, string how)
    {
        Far = far;
        _relay = relay;
        How = how;
    }

    /// <summary>The namespace at the far end of the delayed link.</summary>
    public NetworkNamespace Far { get; }

    /// <summary>Frames the relay dropped so far, or null when netem does the work (and counts them itself).</summary>
    public long? Dropped => _relay?.Dropped;

    /// <summary>How the delay is made, for failure messages.</summary>
    public string How { get; }

    /// <param name="veth">The veth-linked namespace to put netem on, when the kernel has it.</param>
    /// <param name="delay">Added to each frame, each way.</param>
    /// <param name="loss">The share of frames dropped, each way (0 to 1).</param>
    public static async Task<DelayedLink> CreateAsync(NetworkNamespace veth, TimeSpan delay, double loss = 0)
    {
        string micros = $"{delay.TotalMicroseconds:0}us";
        string[] netemArgs = ["netem", "delay", micros, .. loss > 0 ? new[] { "loss", $"{loss * 100:0.##}%" } : []];
        var netem = await ProgramRun.RunAsync("tc", ["qdisc", "add", "dev", veth.HostInterface, "root", .. netemArgs], TimeSpan.FromSeconds(30));
        if (netem.ExitCode == 0)
        {
            await NetworkNamespace.RunAsync("tc", ["-n", veth.Name, "qdisc", "add", "dev", veth.InnerInterface, "root", .. netemArgs]);
            return new DelayedLink(veth, null, $"tc {string.Join(' ', netemArgs)} on both veth ends");
        }

        // No netem here: a second namespace, linked by two TAP devices that this process bridges with the delay.
        TapRelay? relay = null;
        var far = await NetworkNamespace.CreateAsync(async ns =>
        {
            relay = new TapRelay(ns.HostInterface, ns.InnerInterface, delay, loss);
            await NetworkNamespace.IpAsync("link", "set", ns.InnerInterface, "netns", ns.Name);
        });
        return new DelayedLink(far, relay, $"tc netem is missing ({netem.Stderr.Trim()}), so a TAP pair relayed by the test holds each frame {micros} and drops {loss:P0}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_relay is not null)
        {
            _relay.Dispose(); // closing the TAP devices removes them
            await Far.DisposeAsync();
        }
    }

    /// <summary>Two TAP devices and, for each direction, a thread that reads frames and one that writes them once due.</summary>
    private sealed partial class TapRelay : IDisposable
    {
        private const uint TunSetIff = 0x400454ca;
        private const short IffTap = 0x0002;
        private const short IffNoPi = 0x1000;
        private readonly int _a;
        private readonly int _b;
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Thread> _threads = [];

        private readonly double _loss;
        private long _dropped;

        public TapRelay(string a, string b, TimeSpan delay, double loss)
        {
            _loss = loss;
            _a = OpenTap(a);
            _b = OpenTap(b);
            long delayNs = (long)delay.TotalNanoseconds;
            Carry(_a, _b, delayNs);
            Carry(_b, _a, delayNs);
        }

        public long Dropped => Interlocked.Read(ref _dropped);

        public void Dispose()
        {
            _stop.Cancel();
            foreach (var t in _threads)
            {
                t.Join(TimeSpan.FromSeconds(5));
            }

            _ = Close(_a);
            _ = Close(_b);
            _stop.Dispose();
        }

        private void Carry(int from, int to, long delayNs)
        {
            var queue = new System.Collections.Concurrent.BlockingCollection<(long Due, byte[] Frame)>();
            Start(() =>
            {
                var buffer = new byte[65536];
                var poll = new PollFd { Fd = from, Events = 1 };
                while (!_stop.IsCancellationRequested)
                {
                    if (Poll(ref poll, 1, 50) <= 0)
                    {
                        continue;
                    }

                    int n = (int)Read(from, buffer, (nuint)buffer.Length);
                    if (n > 0 && _loss > 0 && Random.Shared.NextDouble() < _loss)
                    {
                        Interlocked.Increment(ref _dropped);
                    }
                    else if (n > 0)
                    {
                        queue.Add((Now() + delayNs, buffer[..n]));
                    }
                }

                queue.CompleteAdding();
            });
            Start(() =>
            {
                foreach (var (due, frame) in queue.GetConsumingEnumerable())
                {
                    var until = new TimeSpec { Seconds = due / 1_000_000_000, Nanoseconds = due % 1_000_000_000 };
                    while (SleepUntil(1 /* CLOCK_MONOTONIC */, 1 /* TIMER_ABSTIME */, ref until, IntPtr.Zero) != 0)
                    {
                    }

                    _ = Write(to, frame, (nuint)frame.Length);
                }
            });
        }

        private void Start(Action body)
        {
            var thread = new Thread(() => body()) { IsBackground = true, Name = "tap-relay" };
            _threads.Add(thread);
            thread.Start();
        }

        private static unsafe int OpenTap(string name)
        {
            int fd = Open("/dev/net/tun", 2 /* O_RDWR */ | 0x80000 /* O_CLOEXEC */);
            Assert.True(fd >= 0, $"cannot open /dev/net/tun (errno {Marshal.GetLastPInvokeError()})");
            var request = new IfReq { Flags = IffTap | IffNoPi };
            byte[] bytes = System.Text.Encoding.ASCII.GetBytes(name);
            for (int i = 0; i < bytes.Length && i < 15; i++)
            {
                request.Name[i] = bytes[i];
            }

            Assert.True(Ioctl(fd, TunSetIff, ref request) == 0, $"cannot create the TAP device {name} (errno {Marshal.GetLastPInvokeError()})");
            return fd;
        }

        private static long Now()
        {
            _ = ClockGetTime(1, out var now);
            return (now.Seconds * 1_000_000_000) + now.Nanoseconds;
        }

        [StructLayout(LayoutKind.Sequential)]
        private unsafe struct IfReq
        {
            public fixed byte Name[16];
            public short Flags;
            public fixed byte Padding[22];
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct TimeSpec
        {
            public long Seconds;
            public long Nanoseconds;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct PollFd
        {
            public int Fd;
            public short Events;
            public short Revents;
        }

        [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        private static partial int Open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
        private static partial int Ioctl(int fd, nuint request, ref IfReq value);

        [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
        private static partial nint Read(int fd, byte[] buffer, nuint count);

        [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
        private static partial nint Write(int fd, byte[] buffer, nuint count);

        [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
        private static partial int Poll(ref PollFd fds, ulong count, int timeoutMs);

        [LibraryImport("libc", EntryPoint = "close")]
        private static partial int Close(int fd);

        [LibraryImport("libc", EntryPoint = "clock_gettime")]
        private static partial int ClockGetTime(int clock, out TimeSpec now);

        [LibraryImport("libc", EntryPoint = "clock_nanosleep")]
        private static partial int SleepUntil(int clock, int flags, ref TimeSpec until, IntPtr remaining);
    }
}
