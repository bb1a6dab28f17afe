using IpcKit.Transports.Internal;
using IpcKit.Transports.Internal.Rings;
using IpcKit.Transports.SharedMemory;

namespace IpcKit.Transports.Tests;

/// <summary>
/// The fence-free hot path of the rings: the sleeper's asymmetric barrier (<see cref="RingFence"/>) and the biased
/// send gate (<see cref="SendGate"/>).
/// </summary>
public sealed class RingFenceTests
{
    private static readonly Dictionary<string, string> MembarrierOff = new() { ["IPCKIT_MEMBARRIER"] = "0" };

    [Theory]
    [InlineData("block", true)]
    [InlineData("backoff", true)]
    [InlineData("spin", true)]
    [InlineData("block", false)]
    [InlineData("backoff", false)]
    public async Task Two_processes_wake_each_other_and_go_fence_free_only_when_both_can(string wait, bool peerHasMembarrier)
    {
        var endpoint = Endpoint.Parse($"mmf://f{Guid.NewGuid():N}"[..22] + $"?wait={wait}");
        await using var listener = await new MmfTransport().ListenAsync(endpoint).Within();
        await using var peer = PeerProcess.Start("echo", endpoint.ToString(), environment: peerHasMembarrier ? null : MembarrierOff);
        var server = (await listener.AcceptAsync().Within())!;

        // Blocking calls on a thread of their own: every round trip makes each side sleep (block) or nearly (backoff).
        var exchange = Task.Factory.StartNew(() =>
        {
            for (int i = 0; i < 2000; i++)
            {
                byte[] sent = new byte[8 + (i % 300)];
                BitConverter.TryWriteBytes(sent, i);
                server.Send(sent);
                var echoed = server.Receive() ?? throw new InvalidOperationException($"end of stream after {i} round trips");
                Assert.True(echoed.Span.SequenceEqual(sent), $"round trip {i} came back changed");
            }
        }, TaskCreationOptions.LongRunning);
        await exchange.Within(TimeSpan.FromSeconds(60));

        var expected = peerHasMembarrier && Libc.GlobalBarrierReady;
        Assert.Equal((expected, expected), ((RingConnection)server).FenceFree);
        await server.DisposeAsync();
        await peer.WaitForExitAsync();
    }

    [Fact]
    public void In_this_process_the_sleepers_barrier_runs_and_matches_what_its_rings_announce()
    {
        // This process has it (unless the kernel lacks it); the peer tests above cover a process without it.
        Assert.True(RingFence.Asymmetric(processPrivate: true));
        Assert.Equal(Libc.GlobalBarrierReady, RingFence.Asymmetric(processPrivate: false));
        Assert.True(RingFence.BeforeSleep(processPrivate: true));
        Assert.True(RingFence.BeforeSleep(processPrivate: false));
    }

    [Fact]
    public async Task The_send_gate_admits_one_sender_at_a_time_before_during_and_after_its_bias_is_revoked()
    {
        // Many rounds, each with a fresh gate: the revocation is a single moment, and each round is one more chance to
        // catch the owner inside the gate just then.
        const int Rounds = 300;
        const int PerThread = 2_000;
        var gates = new SendGate[Rounds];
        var totals = new long[Rounds];
        var ownerBiased = new bool[Rounds];
        using var start = new Barrier(2);

        void Inside(int round, int gap = 20)
        {
            // A plain read-modify-write with a gap: two senders inside at once lose an increment.
            long seen = totals[round];
            Thread.SpinWait(gap);
            totals[round] = seen + 1;
        }

        var owner = Task.Factory.StartNew(() =>
        {
            for (int r = 0; r < Rounds; r++)
            {
                gates[r] = new SendGate();
                ownerBiased[r] = gates[r].Enter(); // the first sender owns the gate
                Inside(r);
                gates[r].Exit(ownerBiased[r]);
                Assert.True(start.SignalAndWait(TimeSpan.FromSeconds(20)));
                for (int i = 1; i < PerThread; i++)
                {
                    bool biased = gates[r].Enter();
                    Inside(r, gap: i < 20 ? 2_000 : 20); // long at first: the other thread revokes the bias just now
                    gates[r].Exit(biased);
                }

                Assert.True(start.SignalAndWait(TimeSpan.FromSeconds(20)));
            }
        }, TaskCreationOptions.LongRunning);

        var other = Task.Factory.StartNew(() =>
        {
            for (int r = 0; r < Rounds; r++)
            {
                Assert.True(start.SignalAndWait(TimeSpan.FromSeconds(20)));
                for (int i = 0; i < PerThread; i++)
                {
                    // Alternate the async path's try-enter and the blocking enter of a second thread.
                    bool biased = false;
                    if (i % 2 == 0)
                    {
                        var spin = new SpinWait();
                        while (!gates[r].TryEnterShared())
                        {
                            spin.SpinOnce();
                        }
                    }
                    else
                    {
                        biased = gates[r].Enter();
                    }

                    Assert.False(biased, "only the first sender may hold the bias");
                    Inside(r);
                    gates[r].Exit(biased);
                }

                Assert.True(start.SignalAndWait(TimeSpan.FromSeconds(20)));
            }
        }, TaskCreationOptions.LongRunning);

        await Task.WhenAll(owner, other).Within(TimeSpan.FromSeconds(120));
        Assert.All(ownerBiased, Assert.True);
        Assert.All(totals, t => Assert.Equal(2L * PerThread, t));
        Assert.All(gates, g => Assert.False(g.Busy));
        Assert.False(gates[0].Enter(), "once revoked, the bias does not come back");
    }
}
