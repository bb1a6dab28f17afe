using System.Text.Json;
using IpcKit.Coordinator.Planning;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Running;
using Spectre.Console;

namespace IpcKit.Coordinator.Commands;

/// <summary>How `bench` shows its progress on stderr (--progress).</summary>
internal enum ProgressStyle
{
    /// <summary>A live bar on a terminal, plain lines anywhere else.</summary>
    Auto,

    /// <summary>One line per step, for people reading a log.</summary>
    Plain,

    /// <summary>One JSON object per event and line, for scripts and tests (docs/json-schema.md, "Progress events").</summary>
    Json,
}

/// <summary>
/// Shows how a run is going, from the runner's typed events (<see cref="RunEvent"/>). On a terminal, a live Spectre
/// progress bar on stderr (trials done of all, the current one, elapsed time); elsewhere one plain line per step; with
/// --progress json one JSON object per event.
/// </summary>
internal static class RunProgress
{
    public static async Task<T> RunAsync<T>(IAnsiConsole stderr, ProgressStyle style, Func<IProgress<RunEvent>, Task<T>> body)
    {
        if (style == ProgressStyle.Json)
        {
            return await body(new Reporter(e => { if (JsonLine(e) is { } line) { Console.Error.WriteLine(line); } }));
        }

        if (style == ProgressStyle.Plain || Console.IsErrorRedirected || !stderr.Profile.Capabilities.Interactive || !stderr.Profile.Capabilities.Ansi)
        {
            return await body(new Reporter(e => { if (Line(e) is { } line) { stderr.MarkupLine($"[grey]{Markup.Escape(line)}[/]"); } }));
        }

        T result = default!;
        await stderr.Progress()
            .AutoClear(true)
            .HideCompleted(false)
            .Columns(new SpinnerColumn(), new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("starting", maxValue: 1);
                result = await body(new Reporter(e =>
                {
                    switch (e)
                    {
                        case RunStarted started:
                            task.MaxValue = Math.Max(1, started.Steps);
                            break;
                        case TrialFinished or TwinFinished:
                            task.Increment(1);
                            break;
                        case TrialSkipped skipped:
                            task.Increment(RunSteps.Of(skipped.Case));
                            break;
                    }

                    if (Line(e) is { } line)
                    {
                        task.Description = Markup.Escape(line.Length > 44 ? line[..41] + "..." : line);
                    }
                }));
                task.Value = task.MaxValue;
            });
        return result;
    }

    /// <summary>The plain line for an event, or null for events that need none.</summary>
    public static string? Line(RunEvent e) => e switch
    {
        PeerStarting p => $"{p.First.Scheme}: starting {(p.First.InProcess ? "a peer thread" : "a worker")} for {p.First.Workload.Name}{Of(p.Trial)}",
        TrialStarted t => $"{t.Case.Label}{Of(t.Trial)}",
        TwinStarted t => $"native: {t.Case.Twin} {t.Case.Workload.Name}, {Format.Size(t.Case.Size)}{Of(t.Trial)}",
        RunNote n => n.Text,
        _ => null,
    };

    private static string Of(int trial) => $" (trial {trial})";

    /// <summary>The JSON line for an event: its kind, and the case and trial it concerns.</summary>
    public static string? JsonLine(RunEvent e)
    {
        object? payload = e switch
        {
            RunStarted s => new { @event = "runStarted", steps = s.Steps, trials = s.Plan.Trials, cases = s.Plan.Cases.Count },
            PeerStarting p => new { @event = "peerStarting", transport = p.First.Scheme, workload = p.First.Workload.Name, trial = p.Trial },
            TrialStarted t => Case("trialStarted", t.Case, t.Trial, null),
            TrialFinished t => Case("trialFinished", t.Case, t.Trial, t.Error),
            TrialSkipped t => Case("trialSkipped", t.Case, t.Trial, null),
            TwinStarted t => Case("twinStarted", t.Case, t.Trial, null),
            TwinFinished t => Case("twinFinished", t.Case, t.Trial, t.Error),
            RunNote n => new { @event = "note", text = n.Text },
            _ => null,
        };
        return payload is null ? null : JsonSerializer.Serialize(payload);
    }

    private static object Case(string kind, PlannedCase c, int trial, string? error) =>
        new { @event = kind, transport = c.Scheme, workload = c.Workload.Name, size = c.Size, twin = c.Twin, trial, error };

    /// <summary>Reports synchronously, in order, on the reporting thread (<see cref="Progress{T}"/> would post them).</summary>
    private sealed class Reporter(Action<RunEvent> handle) : IProgress<RunEvent>
    {
        public void Report(RunEvent value) => handle(value);
    }
}
