using IpcKit.Coordinator.Results;

namespace IpcKit.Coordinator.Statistics;

/// <summary>
/// A floor a small round trip through shared memory is set against (<see cref="Running.ReferenceRunner.HasFloor"/>): a
/// C program (ipckit-native) doing the least such a round trip can do, run right after each trial's twin with the same
/// placement, so that each trial has its own pair. <see cref="Flag"/> moves one cache line each way; <see cref="Slot"/>
/// moves the message's bytes as well. The gap between the two is what carrying the bytes costs; the gap between the
/// slot and a transport is that transport's own overhead.
/// </summary>
internal sealed class FloorKind
{
    private FloorKind(string mechanism) => Mechanism = mechanism;

    /// <summary>
    /// shm-flag: two processes flipping an 8-byte flag each, on cache lines of their own: one line handed over each way,
    /// whatever the message size. The floor of any round trip through shared memory.
    /// </summary>
    public static FloorKind Flag { get; } = new(CaseStatistics.FloorMechanism);

    /// <summary>
    /// shm-slot: a one-slot mailbox per direction carrying the case's message: the sender writes its bytes and a ready
    /// word, the receiver spins on that word and copies the bytes out. A message cannot spare bits for its "it is here"
    /// signal, so 64 bytes plus the signal span two cache lines, and each is handed over each way.
    /// </summary>
    public static FloorKind Slot { get; } = new(CaseStatistics.SlotFloorMechanism);

    /// <summary>Every floor, in the order they are measured and reported.</summary>
    public static IReadOnlyList<FloorKind> All { get; } = [Flag, Slot];

    /// <summary>The ipckit-native mechanism.</summary>
    public string Mechanism { get; }

    /// <summary>This floor's native trial paired with <paramref name="trial"/>, or null.</summary>
    public NativeTrial? TrialOf(TrialResult trial) => this == Flag ? trial.Floor : trial.SlotFloor;

    /// <summary>This floor's figures over the trials of <paramref name="result"/>, or null.</summary>
    public NativeFigures? CaseOf(CaseResult result) => this == Flag ? result.Floor : result.SlotFloor;

    /// <summary><paramref name="trial"/> paired with this floor's native trial.</summary>
    public TrialResult Pair(TrialResult trial, NativeTrial floor) => this == Flag ? trial with { Floor = floor } : trial with { SlotFloor = floor };

    /// <summary>This floor's figures over <paramref name="trials"/>: medians and the per-pair ratio; null when none was measured.</summary>
    public NativeFigures? Summarise(IReadOnlyList<TrialResult> trials) => CaseStatistics.Reference(Mechanism, trials, TrialOf);
}
