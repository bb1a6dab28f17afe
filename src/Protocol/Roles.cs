using IpcKit.Protocol.Samples;
using IpcKit.Transports;
using IpcKit.Transports.MessagePack;

namespace IpcKit.Protocol;

/// <summary>
/// What the peer of a benchmark does on the data connection, with the blocking API. A worker process runs these; so
/// does a thread of the coordinator itself when the transport lives inside one process (thread, channel, shared).
/// </summary>
public static class Roles
{
    /// <summary>Runs <paramref name="role"/> until the coordinator ends the stream.</summary>
    /// <param name="role">Which role.</param>
    /// <param name="data">The data connection.</param>
    /// <param name="configure">The worker's configuration (message size and count for <see cref="WorkerRole.Source"/>).</param>
    /// <param name="verifier">Counts what a sink receives.</param>
    /// <param name="hangAfter">For IpcKit's own tests: stop answering after this many messages.</param>
    public static void Run(WorkerRole role, IConnection data, ConfigureMessage configure, StreamVerifier verifier, long hangAfter = long.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(configure);
        ArgumentNullException.ThrowIfNull(verifier);
        switch (role)
        {
            case WorkerRole.Echo: Echo(data, hangAfter); break;
            case WorkerRole.Sink: Sink(data, verifier); break;
            case WorkerRole.Source when configure.Count > 0: Source(data, configure.MessageSize, configure.Count); break;
            case WorkerRole.Source: Feed(data); break;
            case WorkerRole.Reply: Reply(data); break;
            default: throw new ArgumentOutOfRangeException(nameof(role), role, "Unknown role.");
        }
    }

    /// <summary>Sends every message back, handing over the received memory (no copy where the transport allows it).</summary>
    public static void Echo(IConnection data, long hangAfter = long.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(data);
        // The coordinator verifies what comes back; checking here too would add to every round trip.
        long count = 0;
        while (true)
        {
            if (count++ >= hangAfter)
            {
                Thread.Sleep(Timeout.Infinite); // stuck, and no longer reading: only the control channel can end this worker
            }

            if (data.Receive() is not { } message)
            {
                return;
            }

            data.Send(message);
        }
    }

    /// <summary>Checks every message and acknowledges each one flagged last.</summary>
    public static void Sink(IConnection data, StreamVerifier verifier)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(verifier);
        var ack = new byte[MessageStamp.AckSize];
        while (data.Receive() is { } message)
        {
            uint flags = verifier.Check(message.Span);
            if ((flags & MessageStamp.LastFlag) != 0)
            {
                MessageStamp.WriteAck(ack, verifier.Received, verifier.Corrupted, verifier.Lost);
                data.Send(ack.AsSpan());
            }
        }
    }

    /// <summary>Sends <paramref name="count"/> stamped messages, the last flagged, then drains until end of stream.</summary>
    public static void Source(IConnection data, int messageSize, long count)
    {
        ArgumentNullException.ThrowIfNull(data);
        var message = new byte[Math.Max(messageSize, MessageStamp.HeaderSize)];
        MessageStamp.FillPattern(message, message.Length);
        ulong payloadSum = MessageStamp.PayloadSum(message);
        for (long i = 0; i < count; i++)
        {
            uint flags = (i == 0 ? MessageStamp.FirstFlag : 0) | (i == count - 1 ? MessageStamp.LastFlag : 0);
            MessageStamp.Stamp(message, (ulong)i, flags, payloadSum);
            data.Send(message.AsSpan());
        }

        while (data.Receive() is not null)
        {
        }
    }

    /// <summary>The size of a <see cref="Feed"/> request: the message count (8 bytes) and size (4 bytes), little-endian.</summary>
    public const int FeedRequestSize = 12;

    /// <summary>Writes a request for <paramref name="count"/> messages of <paramref name="messageSize"/> bytes to a <see cref="Feed"/>.</summary>
    public static void WriteFeedRequest(Span<byte> request, long count, int messageSize)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(request, count);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(request[8..], messageSize);
    }

    /// <summary>
    /// A source driven by its consumer (the fan-in of --workers): for each request (<see cref="WriteFeedRequest"/>) it
    /// sends that many stamped messages of that size, the first flagged first and the last flagged last, until end of
    /// stream. The consumer asks for as many as it can drain in the time it measures, so no stream outlives its trial.
    /// </summary>
    public static void Feed(IConnection data)
    {
        ArgumentNullException.ThrowIfNull(data);
        byte[] message = [];
        ulong payloadSum = 0;
        while (data.Receive() is { } request)
        {
            if (request.Length != FeedRequestSize)
            {
                throw new ProtocolViolationException($"A feed request has {FeedRequestSize} bytes, not {request.Length}.");
            }

            long count = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(request.Span);
            int size = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(request.Span[8..]);
            if (count < 1 || size < MessageStamp.HeaderSize || size > 64 << 20)
            {
                throw new ProtocolViolationException($"A feed request asked for {count} messages of {size} bytes.");
            }

            if (message.Length != size)
            {
                // Between streams, never while one is sent.
                message = new byte[size];
                MessageStamp.FillPattern(message, size);
                payloadSum = MessageStamp.PayloadSum(message);
            }

            for (long i = 0; i < count; i++)
            {
                uint flags = (i == 0 ? MessageStamp.FirstFlag : 0) | (i == count - 1 ? MessageStamp.LastFlag : 0);
                MessageStamp.Stamp(message, (ulong)i, flags, payloadSum);
                data.Send(message.AsSpan());
            }
        }
    }

    /// <summary>Decodes each request as an <see cref="Order"/> and answers with its <see cref="OrderReceipt"/>.</summary>
    public static void Reply(IConnection data)
    {
        ArgumentNullException.ThrowIfNull(data);
        SerializerWarmup.Run();
        while (data.Receive() is { } message)
        {
            var order = MessagePackFrames.Read<Order?>(message)
                        ?? throw new ProtocolViolationException("The request workload received a nil order.");
            data.Send(OrderReceipt.For(order));
        }
    }
}
