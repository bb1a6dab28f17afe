using System.Buffers;
using IpcKit.Transports.MessagePack;

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
/// A message on the control channel between the coordinator and a worker (the worker's stdin and stdout). Each is a
/// MessagePack map with string keys and a <c>type</c> entry; readers skip keys they do not know. See docs/protocol.md.
/// </summary>
public abstract record ControlMessage
{
    /// <summary>Encodes the message into <paramref name="output"/>.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        var writer = new MessagePackWriter(output);
        var fields = Fields();
        writer.WriteMapHeader(fields.Count + 1);
        writer.Write("type");
        writer.Write(TypeName);
        foreach (var (key, value) in fields)
        {
            writer.Write(key);
            switch (value)
            {
                case null: writer.WriteNil(); break;
                case string s: writer.Write(s); break;
                case long l: writer.Write(l); break;
                case int i: writer.Write(i); break;
                case bool b: writer.Write(b); break;
                default: throw new InvalidOperationException($"Unsupported control field type {value.GetType()}.");
            }
        }

        writer.Flush();
    }

    /// <summary>Decodes one control message.</summary>
    /// <exception cref="MessagePackException">Not a control message: malformed, or an unknown type.</exception>
    public static ControlMessage Read(ReadOnlyMemory<byte> bytes)
    {
        var reader = new MessagePackReader(bytes);
        int count = reader.ReadMapHeader();
        var values = new Dictionary<string, object?>(count, StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            string key = reader.ReadString() ?? "";
            values[key] = reader.NextType switch
            {
                MessagePackType.Nil => ReadNil(ref reader),
                MessagePackType.String => reader.ReadString(),
                MessagePackType.Integer => reader.ReadInt64(),
                MessagePackType.Boolean => reader.ReadBoolean(),
                _ => SkipValue(ref reader),
            };
        }

        string type = values.GetValueOrDefault("type") as string ?? "";
        return type switch
        {
            ConfigureMessage.Type => new ConfigureMessage(
                Enum.Parse<WorkerRole>(Str(values, "role"), ignoreCase: true), Str(values, "endpoint"), (int)Int(values, "messageSize"),
                Int(values, "count"), (int)Int(values, "cpu")),
            ReadyMessage.Type => new ReadyMessage((int)Int(values, "pid"), (int)Int(values, "cpu")),
            ResultMessage.Type => new ResultMessage(
                Int(values, "received"), Int(values, "corrupted"), Int(values, "lost"),
                new ProcessCounters(Int(values, "userNs"), Int(values, "systemNs"), Int(values, "voluntary"), Int(values, "involuntary"))),
            ErrorMessage.Type => new ErrorMessage(Str(values, "kind"), Str(values, "message")),
            CountersRequest.Type => new CountersRequest(),
            CountersMessage.Type => new CountersMessage(
                new ProcessCounters(Int(values, "userNs"), Int(values, "systemNs"), Int(values, "voluntary"), Int(values, "involuntary"))),
            _ => throw new MessagePackException(0, $"unknown control message type '{type}'"),
        };
    }

    /// <summary>The value of the <c>type</c> key.</summary>
    protected abstract string TypeName { get; }

    /// <summary>The other keys and values, in order.</summary>
    protected abstract IReadOnlyList<(string Key, object? Value)> Fields();

    private static object? ReadNil(ref MessagePackReader reader)
    {
        reader.ReadNil();
        return null;
    }

    private static object? SkipValue(ref MessagePackReader reader)
    {
        reader.Skip();
        return null;
    }

    private static string Str(Dictionary<string, object?> values, string key) =>
        values.GetValueOrDefault(key) as string ?? throw new MessagePackException(0, $"the control message lacks the text field '{key}'");

    private static long Int(Dictionary<string, object?> values, string key) =>
        values.GetValueOrDefault(key) is long l ? l : throw new MessagePackException(0, $"the control message lacks the integer field '{key}'");
}

/// <summary>Coordinator → worker, first: what to connect to and what to do.</summary>
/// <param name="Role">The worker's part in the workload.</param>
/// <param name="Endpoint">The data endpoint to connect to.</param>
/// <param name="MessageSize">Message size in bytes (for <see cref="WorkerRole.Source"/>).</param>
/// <param name="Count">Messages to send (for <see cref="WorkerRole.Source"/>), else 0.</param>
/// <param name="Cpu">The CPU to pin the worker's I/O thread to, or -1 not to pin.</param>
public sealed record ConfigureMessage(WorkerRole Role, string Endpoint, int MessageSize, long Count, int Cpu) : ControlMessage
{
    internal const string Type = "configure";

    /// <inheritdoc/>
    protected override string TypeName => Type;

    /// <inheritdoc/>
    protected override IReadOnlyList<(string Key, object? Value)> Fields() =>
    [
        ("role", Role.ToString().ToLowerInvariant()), ("endpoint", Endpoint), ("messageSize", MessageSize),
        ("count", Count), ("cpu", Cpu),
    ];
}

/// <summary>Worker → coordinator: connected and ready.</summary>
/// <param name="Pid">The worker's process id.</param>
/// <param name="Cpu">The CPU its I/O thread is pinned to, or -1.</param>
public sealed record ReadyMessage(int Pid, int Cpu) : ControlMessage
{
    internal const string Type = "ready";

    /// <inheritdoc/>
    protected override string TypeName => Type;

    /// <inheritdoc/>
    protected override IReadOnlyList<(string Key, object? Value)> Fields() => [("pid", Pid), ("cpu", Cpu)];
}

/// <summary>Worker → coordinator, last: what it received and what it cost (counters cover connect to end of stream).</summary>
/// <param name="Received">Messages received.</param>
/// <param name="Corrupted">Messages whose checksum or length was wrong.</param>
/// <param name="Lost">Gaps in the sequence numbers.</param>
/// <param name="Counters">The worker's CPU time and context switches during the case.</param>
public sealed record ResultMessage(long Received, long Corrupted, long Lost, ProcessCounters Counters) : ControlMessage
{
    internal const string Type = "result";

    /// <inheritdoc/>
    protected override string TypeName => Type;

    /// <inheritdoc/>
    protected override IReadOnlyList<(string Key, object? Value)> Fields() =>
    [
        ("received", Received), ("corrupted", Corrupted), ("lost", Lost),
        ("userNs", Counters.UserNs), ("systemNs", Counters.SystemNs), ("voluntary", Counters.Voluntary), ("involuntary", Counters.Involuntary),
    ];
}

/// <summary>Worker → coordinator: the worker failed and is about to exit.</summary>
/// <param name="Kind">The exception type name.</param>
/// <param name="Message">What went wrong.</param>
public sealed record ErrorMessage(string Kind, string Message) : ControlMessage
{
    internal const string Type = "error";

    /// <inheritdoc/>
    protected override string TypeName => Type;

    /// <inheritdoc/>
    protected override IReadOnlyList<(string Key, object? Value)> Fields() => [("kind", Kind), ("message", Message)];
}

/// <summary>Coordinator → worker, during a case: report your CPU counters now (read before and after the timed part).</summary>
public sealed record CountersRequest : ControlMessage
{
    internal const string Type = "counters-request";

    /// <inheritdoc/>
    protected override string TypeName => Type;

    /// <inheritdoc/>
    protected override IReadOnlyList<(string Key, object? Value)> Fields() => [];
}

/// <summary>Worker → coordinator: the answer to <see cref="CountersRequest"/>.</summary>
/// <param name="Counters">The worker's whole-process counters since it started (getrusage(RUSAGE_SELF)).</param>
public sealed record CountersMessage(ProcessCounters Counters) : ControlMessage
{
    internal const string Type = "counters";

    /// <inheritdoc/>
    protected override string TypeName => Type;

    /// <inheritdoc/>
    protected override IReadOnlyList<(string Key, object? Value)> Fields() =>
    [
        ("userNs", Counters.UserNs), ("systemNs", Counters.SystemNs), ("voluntary", Counters.Voluntary), ("involuntary", Counters.Involuntary),
    ];
}
