using System.Buffers;
using IpcKit.Transports;
using IpcKit.Transports.MessagePack;
using MessagePack;

namespace IpcKit.Protocol;

/// <summary>What a worker does with the data connection.</summary>
public enum WorkerRole
{
    /// <summary>Send every message back unchanged, until end of stream (latency ping-pong).</summary>
    Echo,

    /// <summary>Receive and verify messages; acknowledge the one flagged last (throughput).</summary>
    Sink,

    /// <summary>Send a stream of stamped messages, then wait for the acknowledgement.</summary>
    Source,

    /// <summary>Decode each request as a typed Order and reply with a typed acknowledgement (request workload).</summary>
    Reply,
}

/// <summary>
/// A message on the control channel between the coordinator and a worker (the worker's stdin and stdout), encoded by
/// MessagePack-CSharp as a union: a 2-element array of the message's union key and its body, a map keyed by property
/// name. Readers skip keys they do not know, so fields can be added. See docs/protocol.md.
/// </summary>
[Union(0, typeof(ConfigureMessage))]
[Union(1, typeof(ReadyMessage))]
[Union(2, typeof(ResultMessage))]
[Union(3, typeof(ErrorMessage))]
[Union(4, typeof(CountersRequest))]
[Union(5, typeof(CountersMessage))]
public abstract record ControlMessage
{
    /// <summary>
    /// The options both ends use: the standard resolver under <see cref="MessagePackSecurity.UntrustedData"/>, with the
    /// object graph limited to 8 levels (a control message nests 3 deep), because a worker's stdout may carry anything.
    /// </summary>
    public static MessagePackSerializerOptions Options { get; } = MessagePackFrames.DefaultOptions
        .WithSecurity(MessagePackSecurity.UntrustedData.WithMaximumObjectGraphDepth(8));

    /// <summary>Encodes the message into <paramref name="output"/>.</summary>
    public void WriteTo(IBufferWriter<byte> output) => MessagePackSerializer.Serialize(output, this, Options);

    /// <summary>Decodes one control message, checking what the types cannot say (known type, no missing text, a known role).</summary>
    /// <exception cref="ProtocolViolationException">Not a control message: malformed, truncated, too deep, followed by
    /// other bytes, of an unknown type, or missing a field.</exception>
    public static ControlMessage Read(ReadOnlyMemory<byte> bytes)
    {
        ControlMessage message = MessagePackFrames.Read<ControlMessage?>(bytes, Options)
                                 ?? throw new ProtocolViolationException(
                                     "The control message is nil or of an unknown type (known: 0 configure, 1 ready, 2 result, 3 error, 4 counters request, 5 counters).");
        string? problem = message switch
        {
            ConfigureMessage c when !Enum.IsDefined(c.Role) => $"configure names the unknown role {(int)c.Role}",
            ConfigureMessage { Endpoint: null } => "configure lacks the endpoint",
            ErrorMessage { Kind: null } or ErrorMessage { Message: null } => "error lacks its kind or message",
            _ => null,
        };
        return problem is null ? message : throw new ProtocolViolationException($"Invalid control message: {problem}.");
    }
}

/// <summary>Coordinator → worker, first: what to connect to and what to do.</summary>
/// <param name="Role">The worker's part in the workload.</param>
/// <param name="Endpoint">The data endpoint to connect to.</param>
/// <param name="MessageSize">Message size in bytes (for <see cref="WorkerRole.Source"/>).</param>
/// <param name="Count">Messages to send (for <see cref="WorkerRole.Source"/>), else 0.</param>
/// <param name="Cpu">The CPU to pin the worker's I/O thread to, or -1 not to pin.</param>
[MessagePackObject(keyAsPropertyName: true)]
public sealed record ConfigureMessage(WorkerRole Role, string Endpoint, int MessageSize, long Count, int Cpu) : ControlMessage;

/// <summary>Worker → coordinator: connected and ready.</summary>
/// <param name="Pid">The worker's process id.</param>
/// <param name="Cpu">The CPU its I/O thread is pinned to, or -1.</param>
[MessagePackObject(keyAsPropertyName: true)]
public sealed record ReadyMessage(int Pid, int Cpu) : ControlMessage;

/// <summary>Worker → coordinator, last: what it received and what it cost (counters cover connect to end of stream).</summary>
/// <param name="Received">Messages received.</param>
/// <param name="Corrupted">Messages whose checksum or length was wrong.</param>
/// <param name="Lost">Gaps in the sequence numbers.</param>
/// <param name="Counters">The worker's CPU time and context switches during the case.</param>
[MessagePackObject(keyAsPropertyName: true)]
public sealed record ResultMessage(long Received, long Corrupted, long Lost, ProcessCounters Counters) : ControlMessage;

/// <summary>Worker → coordinator: the worker failed and is about to exit.</summary>
/// <param name="Kind">The exception type name.</param>
/// <param name="Message">What went wrong.</param>
[MessagePackObject(keyAsPropertyName: true)]
public sealed record ErrorMessage(string Kind, string Message) : ControlMessage;

/// <summary>Coordinator → worker, during a case: report your CPU counters now (read before and after the timed part).</summary>
[MessagePackObject(keyAsPropertyName: true)]
public sealed record CountersRequest : ControlMessage;

/// <summary>Worker → coordinator: the answer to <see cref="CountersRequest"/>.</summary>
/// <param name="Counters">The worker's whole-process counters since it started (getrusage(RUSAGE_SELF)).</param>
[MessagePackObject(keyAsPropertyName: true)]
public sealed record CountersMessage(ProcessCounters Counters) : ControlMessage;
