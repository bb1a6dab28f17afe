using System.Text;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;

namespace IpcKit.Coordinator.Exporters;

/// <summary>
/// One row per result with a header row (RFC 4180: comma-separated, quoted where needed, CRLF-free "\n" line ends).
/// Raw figures in the invariant culture — nanoseconds, per-second rates — for spreadsheets and scripts.
/// </summary>
internal static class CsvExporter
{
    private static readonly string[] Header =
    [
        "transport", "workload", "messageSize", "operations", "pin", "trials",
        "p50Ns", "p90Ns", "p99Ns", "p999Ns", "maxNs", "meanNs", "minNs", "samples",
        "p50CiLowNs", "p50CiHighNs",
        "messagesPerSecond", "messagesPerSecondCiLow", "messagesPerSecondCiHigh", "bytesPerSecond", "elapsedSeconds",
        "sent", "received", "lost", "corrupted",
        "coordinatorUserMs", "coordinatorSystemMs", "workerUserMs", "workerSystemMs", "contextSwitches",
        "referenceMechanism", "referenceP50Ns", "referenceP99Ns", "referenceMessagesPerSecond", "referenceBytesPerSecond", "referenceRatio",
        "referenceRatioCiLow", "referenceRatioCiHigh", "referenceError", "error",
        "workers", "shape", "offeredRate", "saturated", "p9999Ns",
    ];

    public static string Write(BenchReport report)
    {
        var csv = new StringBuilder();
        csv.Append(string.Join(',', Header)).Append('\n');
        foreach (var r in report.Results)
        {
            var l = r.Latency;
            var c = r.Cpu;
            var n = r.Reference;
            string[] fields =
            [
                r.Transport, r.Workload, Format.Raw(r.MessageSize), Format.Raw(r.Operations), r.Pin, Format.Raw(r.Trials.Count),
                Opt(l?.P50Ns), Opt(l?.P90Ns), Opt(l?.P99Ns), Opt(l?.P999Ns), Opt(l?.MaxNs), Opt(l?.MeanNs), Opt(l?.MinNs), Opt(l?.Samples),
                Opt(r.P50?.CiLow), Opt(r.P50?.CiHigh),
                Format.Raw(r.MessagesPerSecond), Opt(r.Rate?.CiLow), Opt(r.Rate?.CiHigh), Format.Raw(r.BytesPerSecond), Format.Raw(r.ElapsedSeconds),
                Format.Raw(r.Integrity.Sent), Format.Raw(r.Integrity.Received), Format.Raw(r.Integrity.Lost), Format.Raw(r.Integrity.Corrupted),
                Opt(c?.Coordinator.UserMs), Opt(c?.Coordinator.SystemMs), Opt(c?.Worker.UserMs), Opt(c?.Worker.SystemMs),
                Opt(c is null ? null : c.Coordinator.VoluntaryContextSwitches + c.Coordinator.InvoluntaryContextSwitches
                                       + c.Worker.VoluntaryContextSwitches + c.Worker.InvoluntaryContextSwitches),
                n?.Mechanism ?? "", Opt(n?.P50Ns), Opt(n?.P99Ns), Opt(n?.MessagesPerSecond), Opt(n?.BytesPerSecond), Opt(n?.Ratio?.Median),
                Opt(n?.Ratio?.CiLow), Opt(n?.Ratio?.CiHigh), n?.Error ?? "", r.Error ?? "",
                Opt(r.Workers), r.Shape ?? "", Opt(r.OfferedRate), r.Saturated is { } sat ? (sat ? "true" : "false") : "", Opt(l?.P9999Ns),
            ];
            csv.Append(string.Join(',', fields.Select(Quote))).Append('\n');
        }

        return csv.ToString();
    }

    private static string Opt(long? value) => value is { } v ? Format.Raw(v) : "";

    private static string Opt(double? value) => value is { } v ? Format.Raw(v) : "";

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
