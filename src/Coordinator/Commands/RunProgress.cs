using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Running;
using IpcKit.Coordinator.Workloads;
using Spectre.Console;

namespace IpcKit.Coordinator.Commands;

/// <summary>
/// Shows how a run is going. On a terminal, a live Spectre progress bar on stderr (cases done of all, the current
/// case, elapsed time). Anywhere else — a pipe, a file, a test — one plain line per step ("unix: latency, 64"), which
/// scripts and the end-to-end tests wait for.
/// </summary>
internal static class RunProgress
{
    public static async Task<T> RunAsync<T>(IAnsiConsole stderr, BenchPlan plan, bool withReference, Func<Action<string>, Task<T>> body)
    {
        if (Console.IsErrorRedirected || !stderr.Profile.Capabilities.Interactive || !stderr.Profile.Capabilities.Ansi)
        {
            return await body(line => stderr.MarkupLine($"[grey]{Markup.Escape(line)}[/]"));
        }

        var cases = CaseLabels(plan, withReference);
        T result = default!;
        await stderr.Progress()
            .AutoClear(true)
            .HideCompleted(false)
            .Columns(new SpinnerColumn(), new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("starting", maxValue: Math.Max(1, cases.Count));
                bool first = true;
                result = await body(line =>
                {
                    if (cases.Contains(line))
                    {
                        // A case line means the previous case is done.
                        if (!first)
                        {
                            task.Increment(1);
                        }

                        first = false;
                    }

                    task.Description = Markup.Escape(line.Length > 44 ? line[..41] + "..." : line);
                });
                task.Value = task.MaxValue;
            });
        return result;
    }

    /// <summary>The progress line of every case the plan will run: the orchestrator's and, with a reference, the native ones.</summary>
    private static HashSet<string> CaseLabels(BenchPlan plan, bool withReference)
    {
        var labels = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in plan.Transports)
        {
            foreach (var w in plan.Workloads)
            {
                foreach (int size in w.UsesMessageSize ? plan.Sizes : [RequestWorkload.NominalSize])
                {
                    labels.Add($"{t.Scheme}: {w.Name}, {Format.Size(size)}");
                    if (withReference && w.Name is "latency" or "throughput" && ReferenceRunner.TwinOf(t.Scheme, plan.Wait) is { } twin)
                    {
                        labels.Add($"native: {twin} {w.Name}, {Format.Size(size)}");
                    }
                }
            }
        }

        return labels;
    }
}
