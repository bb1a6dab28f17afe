using IpcKit.Coordinator.Planning;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Workloads;
using IpcKit.Protocol;

namespace IpcKit.Coordinator.Running;

/// <summary>What a run measured: every case's trials, and how the reference went (null without --reference).</summary>
internal sealed record RunOutcome(IReadOnlyList<CaseTrials> Cases, ReferenceRun? ReferenceRun);

/// <summary>
/// Runs a plan: <see cref="BenchPlan.Trials"/> rounds, each running one trial of every case in plan order (A B C, A B
/// C …), so that a slow minute on a shared machine hits every case alike. A transport and workload keeps its peer (a
/// worker process, or a thread) for all its sizes and rounds, so only its first trial starts cold; a peer that would
/// spin while it waits its turn (a ring with --wait spin) is stopped after each round instead, so that it never burns
/// the CPU another case is measured on. With --reference native each trial's native twin runs right after the
/// group's trials. A failing peer fails its own cases (with the reason; their later trials are skipped) and the run
/// goes on.
/// </summary>
internal sealed class Runner(BenchPlan plan, IProgress<RunEvent> progress)
{
    public async Task<RunOutcome> RunAsync(CancellationToken cancellationToken)
    {
        progress.Report(new RunStarted(plan, RunSteps.Of(plan)));
        using var scratch = ScratchSpace.Create();
        var cases = plan.Cases.Select(c => new CaseTrials(c)).ToList();
        ReferenceRunner? reference = null;
        ReferenceRun? referenceRun = null;
        if (plan.NativeReference)
        {
            (reference, string? problem) = await ReferenceRunner.StartAsync(plan, progress, cancellationToken);
            referenceRun = new ReferenceRun { Kind = "native", Available = reference is not null, Note = problem ?? ReferenceRunner.Untwinned(plan) };
        }

        var trialRunner = new TrialRunner(plan);
        var groups = plan.Groups.ToList();
        var peers = new IPeerSession?[groups.Count];
        try
        {
            for (int trial = 1; trial <= plan.Trials; trial++)
            {
                for (int g = 0; g < groups.Count; g++)
                {
                    var live = groups[g].Select(c => cases[c.Index]).ToList();
                    foreach (var skipped in live.Where(c => c.Error is not null))
                    {
                        progress.Report(new TrialSkipped(skipped.Case, trial));
                    }

                    live.RemoveAll(c => c.Error is not null);
                    if (live.Count == 0)
                    {
                        continue;
                    }

                    bool fresh = peers[g] is null;
                    peers[g] ??= await StartPeerAsync(live, trial, scratch, cancellationToken);
                    if (peers[g] is { } peer)
                    {
                        bool failed = await RunGroupAsync(peer, live, trial, trialRunner, fresh, cancellationToken);
                        if (failed || plan.SpinsWhileIdle(live[0].Case))
                        {
                            peers[g] = null;
                            await peer.DisposeAsync();
                        }
                    }

                    await RunTwinsAsync(live, trial, reference, cancellationToken);
                }
            }
        }
        finally
        {
            foreach (var peer in peers.OfType<IPeerSession>())
            {
                await peer.DisposeAsync();
            }
        }

        if (reference is not null && referenceRun is not null)
        {
            referenceRun = referenceRun with { Memcpy = await reference.MeasureMemcpyAsync(cases, progress, cancellationToken) };
        }

        return new RunOutcome(cases, referenceRun);
    }

    /// <summary>Starts the peer of a group; null (its cases failed with the reason) when it cannot start.</summary>
    private async Task<IPeerSession?> StartPeerAsync(List<CaseTrials> group, int trial, ScratchSpace scratch, CancellationToken cancellationToken)
    {
        var first = group[0].Case;
        progress.Report(new PeerStarting(first, trial));
        try
        {
            if (first.Workers is not null)
            {
                return await PeerSet.StartAsync(first, plan, scratch.Path, cancellationToken);
            }

            var configure = new ConfigureMessage(first.Workload.WorkerRole, "", 0, 0, plan.Pin == PinMode.None ? -1 : plan.WorkerCpu);
            var endpoint = plan.EndpointFor(first.Transport, scratch.Path);
            scratch.Claim(endpoint);
            return first.Transport switch
            {
                _ when first.InProcess => await InProcessPeer.StartAsync(first.Transport, endpoint, configure, cancellationToken),
                PeerTransport peer => await PeerSession.StartAsync(peer.Peer, scratch.Path, configure.Cpu, cancellationToken),
                _ => await WorkerSession.StartAsync(first.Transport, endpoint, configure, plan.Launcher, cancellationToken),
            };
        }
        catch (WorkerFailedException e)
        {
            foreach (var c in group)
            {
                Fail(c, trial, e.Message);
            }

            return null;
        }
    }

    /// <summary>
    /// Runs this round's trial of each case of a group on its peer; true when one failed (the peer is then unusable).
    /// The first case on a peer started for this round (<paramref name="freshPeer"/>) warms up longer (<see cref="SteadyState.FreshPeerMinimum"/>).
    /// </summary>
    private async Task<bool> RunGroupAsync(IPeerSession peer, List<CaseTrials> group, int trial, TrialRunner trialRunner, bool freshPeer, CancellationToken cancellationToken)
    {
        string? failure = null;
        var warmupMinimum = freshPeer ? SteadyState.FreshPeerMinimum : SteadyState.Minimum;
        foreach (var c in group)
        {
            if (failure is not null)
            {
                Fail(c, trial, $"Not run: an earlier case of this worker failed. {failure}");
                continue;
            }

            progress.Report(new TrialStarted(c.Case, trial));
            var (_, error) = await trialRunner.RunAsync(peer, c.Case, trial, c, warmupMinimum, cancellationToken);
            warmupMinimum = SteadyState.Minimum;
            if (error is not null)
            {
                c.Error = error;
                failure = error;
            }

            progress.Report(new TrialFinished(c.Case, trial, error));
        }

        return failure is not null;
    }

    private async Task RunTwinsAsync(List<CaseTrials> group, int trial, ReferenceRunner? reference, CancellationToken cancellationToken)
    {
        foreach (var c in group.Where(c => c.Case.Twin is not null))
        {
            // A case that failed in this round has no trial to pair; a missing reference has no twin to run.
            if (reference is null || c.Error is not null || c.Trials.Count == 0 || c.Trials[^1].Trial != trial)
            {
                progress.Report(new TwinFinished(c.Case, trial, reference is null ? "the native reference is missing" : "not run: the IpcKit trial failed"));
                continue;
            }

            progress.Report(new TwinStarted(c.Case, trial));
            string? error = await reference.MeasureTwinAsync(c, cancellationToken);
            progress.Report(new TwinFinished(c.Case, trial, error));
        }
    }

    private void Fail(CaseTrials c, int trial, string error)
    {
        c.Error = error;
        progress.Report(new TrialFinished(c.Case, trial, error));
    }
}
