using System.Text.Json;
using IpcKit.Coordinator.Exporters;
using IpcKit.Coordinator.Planning;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Running;
using IpcKit.Coordinator.Statistics;
using IpcKit.Coordinator.Workloads;
using IpcKit.Protocol.Samples;
using IpcKit.Transports.SharedMemory;

namespace IpcKit.Coordinator.Tests;

/// <summary>"MessagePack alone": each request trial times the codec by itself, and the case and the verdict report it.</summary>
public sealed class CodecFigureTests
{
    [Fact]
    public void A_request_case_gives_the_median_of_its_trials_codec_and_the_verdict_its_share()
    {
        var mmf = Request(p50: 1_000, codecs: [700, 760, 720, 740, 710, 750, 730]);

        Assert.Equal(730, mmf.Codec!.Median);
        Assert.Equal(7, mmf.Codec.Trials);

        var paragraph = Assert.Single(VerdictText.Paragraphs(Summary.Of(SampleReports.Minimal() with { Results = [mmf] })));
        Assert.Contains(paragraph.Details, d => d.StartsWith("MessagePack alone", StringComparison.Ordinal) && d.EndsWith("mmf 730 ns (73%)", StringComparison.Ordinal));
    }

    [Fact]
    public void The_codec_figure_is_in_the_json_of_request_cases_only_and_reads_back()
    {
        var report = SampleReports.Minimal() with { Results = [Request(p50: 1_000, codecs: [700, 760, 720, 740, 710, 750, 730]), SampleReports.Latency("mmf", 64, 170)] };
        string written = JsonExporter.Write(report);
        using var json = JsonDocument.Parse(written);
        var results = json.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(730, results[0].GetProperty("codec").GetProperty("median").GetDouble());
        Assert.Equal([700.0, 760, 720, 740, 710, 750, 730], results[0].GetProperty("trials").EnumerateArray().Select(t => t.GetProperty("codecNs").GetDouble()));
        Assert.False(results[1].TryGetProperty("codec", out _));
        Assert.All(results[1].GetProperty("trials").EnumerateArray(), t => Assert.False(t.TryGetProperty("codecNs", out _)));

        Assert.Equal(730, JsonExporter.Read(written).Results[0].Codec!.Median);
    }

    [Fact]
    public void The_codec_alone_is_timed_on_the_real_serializer_and_checks_what_it_decodes()
    {
        var orders = Enumerable.Range(0, 64).Select(Order.Sample).ToArray();
        double ns = RequestWorkload.CodecAlone(orders, IpcKit.Transports.MessagePack.MessagePackFrames.DefaultOptions);
        Assert.True(ns > 0, $"the codec took {ns} ns");
    }

    /// <summary>A request case over mmf whose trials took <paramref name="p50"/> ns and whose codec took the given times, summarised through the runner's own path.</summary>
    private static CaseResult Request(long p50, double[] codecs)
    {
        var c = new CaseTrials(new PlannedCase(0, new MmfTransport(), new RequestWorkload(), RequestWorkload.NominalSize, "futex"));
        var sample = SampleReports.Latency("mmf", 0, p50, workload: "request");
        for (int i = 0; i < codecs.Length; i++)
        {
            var trial = sample.Trials[i] with { Reference = null, CodecNs = codecs[i], Latency = sample.Trials[i].Latency! with { P50Ns = p50 } };
            var histogram = Percentiles.CreateHistogram();
            histogram.RecordValue(p50);
            c.Add(trial, histogram);
        }

        return CaseStatistics.Summarise(c, "split");
    }
}
