using System.Runtime.InteropServices;

namespace IpcKit.Benchmarks;

/// <summary>
/// Times the <see cref="OrderBenchmarks"/> and <see cref="PrimitiveBenchmarks"/> methods in CPU time of the calling thread
/// (CLOCK_THREAD_CPUTIME_ID), best of 20 rounds of 100,000 calls. Time spent descheduled by other processes is not
/// counted, so figures from a busy shared machine stay comparable; cache interference still is.
/// </summary>
internal static partial class CpuTimeRun
{
    private const int Calls = 100_000;
    private const int Rounds = 20;
    private const int ClockThreadCpuTime = 3;

    public static void Run()
    {
        var order = new OrderBenchmarks();
        order.Setup();
        var primitives = new PrimitiveBenchmarks();
        primitives.Setup();
        Report("EncodeOrder", () => order.EncodeOrder());
        Report("SerializeOrder", () => order.SerializeOrder());
        Report("DecodeOrder", () => order.DecodeOrder().Quantity);
        Report("DeserializeOrder", () => order.DeserializeOrder().Quantity);
        Report("WriteInts (100)", primitives.WriteInts);
        Report("WriteStrings (100)", primitives.WriteStrings);
        Report("ReadInts (100)", () => (int)primitives.ReadInts());
        Report("ReadStrings (100)", primitives.ReadStrings);
    }

    private static void Report(string name, Func<int> body)
    {
        double best = double.MaxValue;
        long allocated = 0;
        for (int round = 0; round < Rounds; round++)
        {
            long bytesBefore = GC.GetAllocatedBytesForCurrentThread();
            long start = ThreadCpuNanoseconds();
            int sink = 0;
            for (int i = 0; i < Calls; i++)
            {
                sink += body();
            }

            long elapsed = ThreadCpuNanoseconds() - start;
            allocated = (GC.GetAllocatedBytesForCurrentThread() - bytesBefore) / Calls;
            best = Math.Min(best, elapsed / (double)Calls);
            GC.KeepAlive(sink);
        }

        Console.WriteLine(FormattableString.Invariant($"{name,-20} {best,8:F1} ns/op (thread CPU time) {allocated,6} B/op"));
    }

    private static long ThreadCpuNanoseconds()
    {
        if (ClockGetTime(ClockThreadCpuTime, out Timespec now) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed.");
        }

        return (now.Seconds * 1_000_000_000) + now.Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out Timespec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
