using System.Text.Json;
using IpcKit.Coordinator.Exporters;
using IpcKit.Coordinator.Planning;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Running;
using IpcKit.Coordinator.Statistics;
using IpcKit.Coordinator.Workloads;
using IpcKit.Transports.SharedMemory;

namespace IpcKit.Coordinator.Tests;

/// <summary>
/// The shared-memory floors of a small mmf round trip at --pin split: the flag ping-pong (shm-flag) and the one-slot
/// mailbox carrying the message (shm-slot), each paired with every trial, in the JSON and in the verdict.
/// </summary>
public sealed class FloorTests
{
    private static BenchReport Run(params CaseResult[] results) => SampleReports.Minimal() with { Results = results };

    /// <summary>
    /// An mmf 64 B round trip whose trials swing by ±4% around 250 ns, summarised through the runner's own path
    /// (<see cref="CaseTrials"/>, <see cref="CaseStatistics"/>); each trial followed by a flag at 200 ns and a slot at
    /// 230 ns when <paramref name="withFloors"/>.
    /// </summary>
    private static CaseResult Mmf(bool withFloors)
    {
        var c = new CaseTrials(new PlannedCase(0, new MmfTransport(), new LatencyWorkload(), 64, "futex"));
        foreach (var trial in SampleReports.Latency("mmf", 64, 250).Trials)
        {
            var histogram = Percentiles.CreateHistogram();
            histogram.RecordValue(trial.Latency!.P50Ns);
            c.Add(trial with { Reference = null }, histogram);
            if (withFloors)
            {
                c.PairLastFloor(FloorKind.Flag, new NativeTrial(1000, 200, 400, 0, 0, NativeFigures.RatioOf("latency", c.Trials[^1], 200, 0)));
                c.PairLastFloor(FloorKind.Slot, new NativeTrial(1000, 230, 460, 0, 0, NativeFigures.RatioOf("latency", c.Trials[^1], 230, 0)));
            }
        }

        return CaseStatistics.Summarise(c, "split");
    }

    [Fact]
    public void A_shared_memory_round_trip_is_set_against_the_flag_and_the_slot_paired_by_trial()
    {
        var mmf = Mmf(withFloors: true);

        Assert.Equal("shm-flag", mmf.Floor!.Mechanism);
        Assert.Equal(200, mmf.Floor.P50Ns);
        Assert.InRange(mmf.Floor.Ratio!.Median, 1.24, 1.26);
        Assert.Equal(7, mmf.Floor.Ratio.Trials);
        Assert.Equal("shm-slot", mmf.SlotFloor!.Mechanism);
        Assert.Equal(230, mmf.SlotFloor.P50Ns);
        Assert.InRange(mmf.SlotFloor.Ratio!.Median, 1.08, 1.09); // 250 ÷ 230
        Assert.Equal(7, mmf.SlotFloor.Ratio.Trials);

        var paragraph = Assert.Single(VerdictText.Paragraphs(Summary.Of(Run(mmf, SampleReports.Latency("unix", 64, 48_000)))));
        Assert.Contains(paragraph.Details, d => d.StartsWith("against the floor of a shared-memory round trip", StringComparison.Ordinal)
                                                && d.EndsWith("mmf 1.25× the flag ping-pong (200 ns), 1.09× a one-slot mailbox carrying 64 B (230 ns)", StringComparison.Ordinal));
    }

    [Fact]
    public void The_slot_floor_is_in_the_json_next_to_the_flag_and_reads_back()
    {
        var report = Run(Mmf(withFloors: true), SampleReports.Latency("unix", 64, 48_000));
        string written = JsonExporter.Write(report);
        using var json = JsonDocument.Parse(written);
        var results = json.RootElement.GetProperty("results").EnumerateArray().ToList();
        var mmf = results.Single(r => r.GetProperty("transport").GetString() == "mmf");
        Assert.Equal("shm-flag", mmf.GetProperty("floor").GetProperty("mechanism").GetString());
        var slot = mmf.GetProperty("slotFloor");
        Assert.Equal("shm-slot", slot.GetProperty("mechanism").GetString());
        Assert.Equal(230, slot.GetProperty("p50Ns").GetInt64());
        Assert.InRange(slot.GetProperty("ratio").GetProperty("median").GetDouble(), 1.08, 1.09);
        Assert.All(mmf.GetProperty("trials").EnumerateArray(), t => Assert.Equal(230, t.GetProperty("slotFloor").GetProperty("p50Ns").GetInt64()));

        var unix = results.Single(r => r.GetProperty("transport").GetString() == "unix");
        Assert.False(unix.TryGetProperty("floor", out _));
        Assert.False(unix.TryGetProperty("slotFloor", out _));

        var read = JsonExporter.Read(written).Results.Single(r => r.Transport == "mmf");
        Assert.Equal(report.Results[0].SlotFloor, read.SlotFloor);
        Assert.Equal(report.Results[0].Trials[3].SlotFloor, read.Trials[3].SlotFloor);
    }

    [Fact]
    public void Without_the_flag_floor_there_is_no_slot_floor_in_the_json_or_the_verdict()
    {
        var mmf = Mmf(withFloors: false);
        Assert.Null(mmf.Floor);
        Assert.Null(mmf.SlotFloor);

        var report = Run(mmf, SampleReports.Latency("unix", 64, 48_000));
        using var json = JsonDocument.Parse(JsonExporter.Write(report));
        var result = json.RootElement.GetProperty("results").EnumerateArray().Single(r => r.GetProperty("transport").GetString() == "mmf");
        Assert.False(result.TryGetProperty("floor", out _));
        Assert.False(result.TryGetProperty("slotFloor", out _));
        Assert.All(result.GetProperty("trials").EnumerateArray(), t => Assert.False(t.TryGetProperty("slotFloor", out _)));
        var paragraph = Assert.Single(VerdictText.Paragraphs(Summary.Of(report)));
        Assert.DoesNotContain(paragraph.Details, d => d.Contains("floor", StringComparison.Ordinal) || d.Contains("mailbox", StringComparison.Ordinal));
    }

    [Fact]
    public void A_slot_floor_that_failed_leaves_the_flag_floor_alone_in_the_verdict()
    {
        var mmf = Mmf(withFloors: true);
        mmf = mmf with { SlotFloor = new NativeFigures { Mechanism = "shm-slot", Error = "ipckit-native shm-slot exited 1: boom" } };

        var paragraph = Assert.Single(VerdictText.Paragraphs(Summary.Of(Run(mmf))));
        Assert.Contains(paragraph.Details, d => d.EndsWith("mmf 1.25× the flag ping-pong (200 ns)", StringComparison.Ordinal));
    }

    [Fact]
    public void Only_small_round_trips_over_a_native_ring_twin_on_two_CPUs_get_a_floor()
    {
        var transport = new MmfTransport();
        var latency = new LatencyWorkload();
        var throughput = new ThroughputWorkload();
        Assert.True(ReferenceRunner.HasFloor(new(0, transport, latency, 64, "futex"), PinMode.Split));
        Assert.False(ReferenceRunner.HasFloor(new(0, transport, latency, 64, "futex"), PinMode.Same));
        Assert.False(ReferenceRunner.HasFloor(new(0, transport, latency, 64, "futex"), PinMode.None));
        Assert.True(ReferenceRunner.HasFloor(new(0, transport, latency, 64, "shm-spin"), PinMode.Split));
        Assert.False(ReferenceRunner.HasFloor(new(0, transport, latency, 65536, "futex"), PinMode.Split));
        Assert.False(ReferenceRunner.HasFloor(new(0, transport, throughput, 64, "futex"), PinMode.Split));
        Assert.False(ReferenceRunner.HasFloor(new(0, transport, latency, 64, "unix"), PinMode.Split));
        Assert.False(ReferenceRunner.HasFloor(new(0, transport, latency, 64, null), PinMode.Split));
    }
}
