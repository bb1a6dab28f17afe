using System.Buffers;
using BenchmarkDotNet.Attributes;
using IpcKit.Protocol.Samples;
using IpcKit.Transports.MessagePack;
using MessagePack;
using MessagePack.Formatters;

namespace IpcKit.Benchmarks;

/// <summary>Encoding and decoding the sample <see cref="Order"/> (about 190 bytes, every field set) with MessagePack-CSharp.</summary>
[MemoryDiagnoser]
public class OrderBenchmarks
{
    private readonly MessagePackSerializerOptions _options = MessagePackFrames.DefaultOptions;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private IMessagePackFormatter<Order> _formatter = null!;
    private Order _order = null!;
    private ReadOnlyMemory<byte> _encoded;

    /// <summary>Builds the order and its encoding once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _order = Order.Sample(2);
        _encoded = MessagePackSerializer.Serialize(_order, _options);
        _formatter = _options.Resolver.GetFormatterWithVerify<Order>();
    }

    /// <summary>The generated formatter alone, into a reused buffer: must allocate nothing.</summary>
    [Benchmark]
    public int EncodeOrder()
    {
        _buffer.ResetWrittenCount();
        var writer = new MessagePackWriter(_buffer);
        _formatter.Serialize(ref writer, _order, _options);
        writer.Flush();
        return _buffer.WrittenCount;
    }

    /// <summary>Through <see cref="MessagePackSerializer"/>, as the typed sends do.</summary>
    [Benchmark]
    public int SerializeOrder()
    {
        _buffer.ResetWrittenCount();
        MessagePackSerializer.Serialize(_buffer, _order, _options);
        return _buffer.WrittenCount;
    }

    /// <summary>The generated formatter alone: allocates only the order and its strings and arrays.</summary>
    [Benchmark]
    public Order DecodeOrder()
    {
        var reader = new MessagePackReader(_encoded);
        return _formatter.Deserialize(ref reader, _options);
    }

    /// <summary>Through <see cref="MessagePackFrames.Read{T}"/>, as the typed receives do (with the one-value-per-frame check).</summary>
    [Benchmark]
    public Order DeserializeOrder() => MessagePackFrames.Read<Order>(_encoded, _options);
}

/// <summary>The raw writer and reader on integers and strings, 100 values per operation.</summary>
[MemoryDiagnoser]
public class PrimitiveBenchmarks
{
    private const int Count = 100;
    private static readonly string[] Strings = Enumerable.Range(0, Count)
        .Select(i => i % 10 == 0 ? $"caf\u00e9 n\u00ba{i}" : $"customer-{i:D6}")
        .ToArray();

    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly long[] _ints = new long[Count];
    private ReadOnlyMemory<byte> _encodedInts;
    private ReadOnlyMemory<byte> _encodedStrings;

    /// <summary>Integers of every width, and the encodings to read.</summary>
    [GlobalSetup]
    public void Setup()
    {
        for (int i = 0; i < Count; i++)
        {
            _ints[i] = (i % 5) switch
            {
                0 => i,
                1 => -i,
                2 => 1000 * i,
                3 => 100_000L * i,
                _ => -10_000_000_000L * i,
            };
        }

        WriteInts();
        _encodedInts = _buffer.WrittenMemory.ToArray();
        WriteStrings();
        _encodedStrings = _buffer.WrittenMemory.ToArray();
    }

    /// <summary>Writes 100 integers of mixed widths.</summary>
    [Benchmark]
    public int WriteInts()
    {
        _buffer.ResetWrittenCount();
        var writer = new MessagePackWriter(_buffer);
        foreach (long value in _ints)
        {
            writer.Write(value);
        }

        writer.Flush();
        return _buffer.WrittenCount;
    }

    /// <summary>Writes 100 short strings (a tenth of them non-ASCII).</summary>
    [Benchmark]
    public int WriteStrings()
    {
        _buffer.ResetWrittenCount();
        var writer = new MessagePackWriter(_buffer);
        foreach (string value in Strings)
        {
            writer.Write(value);
        }

        writer.Flush();
        return _buffer.WrittenCount;
    }

    /// <summary>Reads the 100 integers back.</summary>
    [Benchmark]
    public long ReadInts()
    {
        var reader = new MessagePackReader(_encodedInts);
        long sum = 0;
        for (int i = 0; i < Count; i++)
        {
            sum += reader.ReadInt64();
        }

        return sum;
    }

    /// <summary>Reads the 100 strings back (allocating them).</summary>
    [Benchmark]
    public int ReadStrings()
    {
        var reader = new MessagePackReader(_encodedStrings);
        int length = 0;
        for (int i = 0; i < Count; i++)
        {
            length += reader.ReadString()!.Length;
        }

        return length;
    }
}
