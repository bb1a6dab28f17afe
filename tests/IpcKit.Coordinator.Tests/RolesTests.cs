using IpcKit.Protocol;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Tests;

/// <summary>The worker roles, run on two threads over a real in-process connection.</summary>
public sealed class RolesTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private static async Task<(IConnection A, IConnection B, IListener Listener)> PairAsync()
    {
        var transport = TransportRegistry.Default.Get("channel");
        var listener = await transport.ListenAsync(transport.CreateEphemeralEndpoint("/tmp"));
        var accept = listener.AcceptAsync().AsTask();
        var a = await transport.ConnectAsync(listener.Endpoint).AsTask().WaitAsync(Deadline);
        var b = (await accept.WaitAsync(Deadline))!;
        return (a, b, listener);
    }

    [Fact]
    public async Task A_source_sends_a_whole_stamped_stream_then_leaves_when_acknowledged_and_closed()
    {
        var (source, coordinator, listener) = await PairAsync();
        await using var _ = listener;
        var sourcing = Task.Run(() => Roles.Source(source, 100, 5_000));

        // The test plays the coordinator: check every message, acknowledge the last, close.
        var verifier = new StreamVerifier();
        uint flags = 0;
        while ((flags & MessageStamp.LastFlag) == 0)
        {
            var message = await coordinator.ReceiveAsync().AsTask().WaitAsync(Deadline);
            Assert.Equal(100, message!.Value.Length);
            flags = verifier.Check(message.Value.Span);
        }

        var ack = new byte[MessageStamp.AckSize];
        MessageStamp.WriteAck(ack, verifier.Received, verifier.Corrupted, verifier.Lost);
        await coordinator.SendAsync(ack).AsTask().WaitAsync(Deadline);
        coordinator.Dispose();
        await sourcing.WaitAsync(Deadline);

        Assert.Equal((5_000L, 0L, 0L), (verifier.Received, verifier.Corrupted, verifier.Lost));
        source.Dispose();
    }

    [Fact]
    public async Task A_sink_counts_a_corrupted_and_a_missing_message()
    {
        var (sender, sink, listener) = await PairAsync();
        await using var _ = listener;
        var verifier = new StreamVerifier();
        var sinking = Task.Run(() => Roles.Sink(sink, verifier));

        var message = new byte[64];
        ulong sum = MessageStamp.PayloadSum(message);
        MessageStamp.Stamp(message, 0, MessageStamp.FirstFlag, sum);
        sender.Send(message.AsSpan());
        MessageStamp.Stamp(message, 1, 0, sum);
        message[40] ^= 1; // a flipped bit
        sender.Send(message.AsSpan());
        message[40] ^= 1;
        MessageStamp.Stamp(message, 3, MessageStamp.LastFlag, sum); // 2 never sent
        sender.Send(message.AsSpan());

        var ack = await sender.ReceiveAsync().AsTask().WaitAsync(Deadline);
        Assert.True(MessageStamp.TryReadAck(ack!.Value.Span, out long received, out long corrupted, out long lost));
        Assert.Equal((3L, 1L, 1L), (received, corrupted, lost));

        sender.Dispose();
        await sinking.WaitAsync(Deadline);
    }
}
