using IpcKit.Coordinator.Planning;

namespace IpcKit.Coordinator.Running;

/// <summary>
/// What the runner reports as it goes, through <see cref="IProgress{T}"/>: the progress bar, the plain progress lines
/// and `--progress json` (which the end-to-end tests read) all consume these; none of them parses text.
/// </summary>
internal abstract record RunEvent;

/// <summary>The run begins: <paramref name="Steps"/> trials in all (IpcKit's and the native twins').</summary>
internal sealed record RunStarted(BenchPlan Plan, int Steps) : RunEvent;

/// <summary>A peer is being started for one round of a transport and workload's cases.</summary>
internal sealed record PeerStarting(PlannedCase First, int Trial) : RunEvent;

/// <summary>A trial of a case begins.</summary>
internal sealed record TrialStarted(PlannedCase Case, int Trial) : RunEvent;

/// <summary>A trial of a case ended: <paramref name="Error"/> is null when it measured, else why it failed.</summary>
internal sealed record TrialFinished(PlannedCase Case, int Trial, string? Error) : RunEvent;

/// <summary>A trial (and its twin's) was not run, because an earlier trial of the case failed.</summary>
internal sealed record TrialSkipped(PlannedCase Case, int Trial) : RunEvent;

/// <summary>The native twin's trial paired with a trial of a case begins.</summary>
internal sealed record TwinStarted(PlannedCase Case, int Trial) : RunEvent;

/// <summary>The native twin's trial ended: <paramref name="Error"/> is null when it measured.</summary>
internal sealed record TwinFinished(PlannedCase Case, int Trial, string? Error) : RunEvent;

/// <summary>Something about the run people should see as it happens (the reference being built, or missing).</summary>
internal sealed record RunNote(string Text) : RunEvent;

/// <summary>The steps of a plan, for a progress display: each trial, and each twin trial.</summary>
internal static class RunSteps
{
    public static int Of(PlannedCase c) => c.Twin is null ? 1 : 2;

    public static int Of(BenchPlan plan) => plan.Trials * plan.Cases.Sum(Of);
}
