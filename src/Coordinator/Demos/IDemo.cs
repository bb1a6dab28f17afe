using System.Text.Json;
using System.Text.Json.Nodes;

namespace IpcKit.Coordinator.Demos;

/// <summary>
/// One short narrated experiment for `ipckit demo NAME`: it runs in a few seconds, says in plain words what it shows
/// while it runs, and returns the figures behind the words with a verdict on whether its claim held on this run.
/// </summary>
internal interface IDemo
{
    /// <summary>The name on the command line, e.g. <c>race</c>.</summary>
    string Name { get; }

    /// <summary>One line for the list that `ipckit demo` prints.</summary>
    string Summary { get; }

    /// <summary>Runs the experiment. Narration goes to <paramref name="output"/>; the figures come back in the result.</summary>
    Task<DemoResult> RunAsync(DemoOutput output, CancellationToken cancellationToken);
}

/// <summary>The demos, in the order a reader should meet them.</summary>
internal static class DemoCatalog
{
    public static IReadOnlyList<IDemo> All { get; } =
    [
        new IsolationDemo(),
        new RaceDemo(),
        new SwitchDemo(),
        new StarvationDemo(),
        new DeadlockDemo(),
        new ParallelDemo(),
        new GilDemo(),
        new LightweightDemo(),
        new WorkStealingDemo(),
        new TimeSliceDemo(),
        new LivelockDemo(),
        new ReorderingDemo(),
        new AtomicityDemo(),
        new LeakDemo(),
        new ChannelDemo(),
    ];

    public static IDemo? Find(string name) =>
        All.FirstOrDefault(d => d.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>What a demo found: its claim, whether the claim held on this run, and the figures it rests on.</summary>
/// <param name="Demo">The demo's name.</param>
/// <param name="Claim">The claim, in one sentence.</param>
/// <param name="Held">Whether the figures of this run bear the claim out.</param>
/// <param name="Verdict">One sentence on this run: what held, or what did not.</param>
/// <param name="Figures">The measured figures, as a JSON object (numbers, booleans, text; nested objects for rows).</param>
internal sealed record DemoResult(string Demo, string Claim, bool Held, string Verdict, JsonObject Figures)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The result as the JSON object `ipckit demo NAME --format json` prints.</summary>
    public string ToJson() => ToJsonObject().ToJsonString(Indented);

    /// <summary>The result as a JSON object: demo, claim, held, verdict, figures.</summary>
    public JsonObject ToJsonObject() => new()
    {
        ["demo"] = Demo,
        ["claim"] = Claim,
        ["held"] = Held,
        ["verdict"] = Verdict,
        ["figures"] = Figures.DeepClone(),
    };
}

/// <summary>Where a demo narrates: one line at a time, plus aligned tables of figures.</summary>
internal sealed class DemoOutput(Action<string> writeLine)
{
    /// <summary>Discards the narration (for JSON output and for tests).</summary>
    public static DemoOutput Silent { get; } = new(_ => { });

    public void Say(string line = "") => writeLine(line);

    /// <summary>Prints rows under a header, the first <paramref name="textColumns"/> columns left-aligned and the others right-aligned.</summary>
    public void Table(IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string>> rows, int textColumns = 1)
    {
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        string Line(IReadOnlyList<string> cells) =>
            "  " + string.Join("  ", cells.Select((c, i) => i < textColumns ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd();
        writeLine(Line(header));
        foreach (var row in rows)
        {
            writeLine(Line(row));
        }
    }
}
