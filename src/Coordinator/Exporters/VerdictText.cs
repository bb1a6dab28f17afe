using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;

namespace IpcKit.Coordinator.Exporters;

/// <summary>One paragraph of the verdict: the ranking of one workload and size, and the lines under it.</summary>
internal sealed record VerdictParagraph(string Case, string Ranking, IReadOnlyList<string> Details);

/// <summary>
/// The verdict (<see cref="Verdict"/>) in words, shared by the terminal, Markdown and HTML outputs: "64 B round trip:
/// mmf 0.75 µs ≪ unix 48.0 µs ≈ pipe 49.0 µs — mmf is 64× faster than unix here". It formats; the ranking, the
/// significance and the ratios come from the statistics layer.
/// </summary>
internal static class VerdictText
{
    public const string Title = "Verdict: which transport?";

    public static string Intro(Summary summary) =>
        $"Ranked by p50 (latency, request) or messages/s (throughput), pin {summary.Report.Settings.Pin}. " +
        "≈ same within noise (Mann–Whitney over the trials, p ≥ 0.05); < or > apart; ≪ or ≫ apart by 10× or more. Ratios are medians over pairs of trials.";

    public static string Pointer =>
        $"Speed is one reason; which transport suits which job (access, lifetime, reach, several clients) is in {Verdict.Guide}.";

    public static IReadOnlyList<VerdictParagraph> Paragraphs(Summary summary) =>
        [.. Verdict.Of(summary).Lines.Where(l => l.Transports.Count + l.Baselines.Count + l.Failed.Count > 0).Select(Paragraph)];

    private static VerdictParagraph Paragraph(VerdictLine line)
    {
        string ranking = line.Transports.Count > 0 ? Chain(line, line.Transports) : "no transport between processes ran";
        if (line.Leader is { } lead)
        {
            ranking += $" — {lead.Better} is {Times(lead.Times.Median)} faster than {lead.Worse} here";
        }
        else if (line.Transports.Count >= 2)
        {
            ranking += $" — {line.Transports[0].Transport} and {line.Transports[1].Transport} are the same within noise here";
        }

        var details = new List<string>();
        if (line.Baselines.Count > 0)
        {
            string baselines = $"in-process baseline{(line.Baselines.Count > 1 ? "s" : "")}, what threads sharing memory pay: {Chain(line, line.Baselines)}";
            if (line.Boundary is { } b)
            {
                baselines += !b.Apart ? $" — {b.Worse} and {b.Better} are the same within noise: their trials overlap too much to say what crossing between processes costs here"
                    : b.Times.Median >= 1 ? $" — {b.Better} is {Times(b.Times.Median)} faster than {b.Worse}"
                    : $" — {b.Worse} is {Times(1 / b.Times.Median)} faster than {b.Better}";
            }

            details.Add(baselines);
        }

        // A framework peer's reference is the bare transport under it ("bare unix"), not a C twin: say which is which.
        var references = line.Transports.Where(t => t.Native is not null).ToLookup(t => t.Native!.Kind);
        string better = line.HigherIsBetter ? "higher is better" : "lower is better";
        string figure = line.HigherIsBetter ? "msg/s" : "p50";
        if (references[ReferenceKind.Native].Any())
        {
            details.Add($"against the native C twin ({figure} ÷ the twin's, {better}): " +
                        string.Join(", ", references[ReferenceKind.Native].Select(t => $"{t.Transport} {Format.Ratio(t.Native!.Ratio!.Median)} {t.Native.Label}")));
        }

        if (references[ReferenceKind.Bare].Any())
        {
            details.Add($"against the bare transport under the framework ({figure} ÷ the bare transport's, {better}): " +
                        string.Join(", ", references[ReferenceKind.Bare].Select(t => $"{t.Transport} {Format.Ratio(t.Native!.Ratio!.Median)} {t.Native.Label}")));
        }

        if (references[ReferenceKind.Raw].Any())
        {
            details.Add($"typed against raw (the request's p50 ÷ the same transport's raw round trip, {better}): " +
                        string.Join(", ", references[ReferenceKind.Raw].Select(t => $"{t.Transport} {Format.Ratio(t.Native!.Ratio!.Median)} its {t.Native.Name}")));
        }

        if (line.Transports.Concat(line.Baselines).Where(t => t.Codec is not null).ToList() is { Count: > 0 } coded)
        {
            // The same encodes and decodes timed alone: what of each request's p50 is MessagePack, and what is left for
            // the transport. Over shared memory the codec is most of it, which "typed against raw" alone hides.
            details.Add("MessagePack alone (the same encodes and decodes on one thread, no transport; p50, and its share of the request's): " +
                        string.Join(", ", coded.Select(t => $"{t.Transport} {Format.Duration(t.Codec!.Median)} ({Share(t.Codec.Median, t.Figure)})")));
        }

        if (line.Transports.Where(t => t.Floors.Count > 0).ToList() is { Count: > 0 } floored)
        {
            details.Add("against the floor of a shared-memory round trip (two C processes spinning, p50 ÷ theirs, lower is better): " +
                        string.Join("; ", floored.Select(t => $"{t.Transport} " + string.Join(", ", t.Floors.Select(f =>
                            $"{Format.Ratio(f.Ratio!.Median)} {FloorName(f.Mechanism, line.MessageSize)} ({Format.Duration(f.P50Ns)})")))));
        }

        if (line.Failed.Count > 0)
        {
            details.Add($"not ranked (failed, or lost or corrupted messages): {string.Join(", ", line.Failed)}");
        }

        return new VerdictParagraph(Case(line), ranking, details);
    }

    /// <summary>What a floor (<see cref="FloorKind"/>) is, in words: "the flag ping-pong", "a one-slot mailbox carrying 64 B".</summary>
    private static string FloorName(string mechanism, int size) => mechanism switch
    {
        CaseStatistics.FloorMechanism => "the flag ping-pong",
        CaseStatistics.SlotFloorMechanism => $"a one-slot mailbox carrying {SizeText(size)}",
        _ => mechanism,
    };

    private static string Share(double part, double whole) =>
        whole > 0 ? $"{Format.Number(100 * part / whole, "0")}%" : "-";

    private static string SizeText(int size) => size < 1024 ? $"{size} B" : Format.Size(size);

    /// <summary>"64 B round trip", "64KiB one-way stream", "typed request + reply".</summary>
    public static string Case(VerdictLine line)
    {
        string size = SizeText(line.MessageSize);
        return line.Workload switch
        {
            "latency" => $"{size} round trip",
            "throughput" => $"{size} one-way stream",
            "request" => "typed request + reply",
            _ => $"{line.Workload}, {size}",
        };
    }

    private static string Chain(VerdictLine line, IReadOnlyList<Ranked> ranked) =>
        string.Join(" ", ranked.Select((r, i) => (i == 0 ? "" : Symbol(r.Standing, line.HigherIsBetter) + " ") + $"{r.Transport} {Figure(line, r.Figure)}"));

    private static string Symbol(Standing standing, bool higherIsBetter) => standing switch
    {
        Standing.Same => "≈",
        Standing.Behind => higherIsBetter ? ">" : "<",
        Standing.FarBehind => higherIsBetter ? "≫" : "≪",
        _ => "",
    };

    private static string Figure(VerdictLine line, double value) =>
        line.Column == Column.Rate ? $"{Format.Rate(value)} msg/s" : Format.Duration(value);

    /// <summary>"64×", "1.4×": whole numbers from 10 up.</summary>
    private static string Times(double x) => x >= 10 ? Format.Number(x, "0") + "×" : Format.Ratio(x);
}
