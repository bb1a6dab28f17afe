using System.Buffers.Binary;
using System.Runtime.InteropServices;
using IpcKit.Transports.Internal.Rings;

namespace IpcKit.Transports.Tests;

/// <summary>
/// The ring's full check at the end of the data area, made deterministic (issue 12, 13b): one thread writes until the
/// ring refuses, then reads one message — a consumer so slow that the ring is full at every write — with sizes that
/// make records pad (skip to the start) or come in pieces that wrap. A full check that forgot the skipped bytes lets
/// the producer overwrite a message not yet read, which the content check below catches.
/// </summary>
public sealed unsafe class RingWrapTests
{
    private const long Capacity = 4096;

    [Theory]
    [InlineData(500, 1020, false)]  // whole records of up to a quarter of the ring: most leave a tail too short and pad
    [InlineData(1021, 3000, false)] // larger than a whole record: pieces that wrap at the end
    [InlineData(1, 3000, false)]    // both, mixed
    [InlineData(0, 40, true)]       // small records (empty ones too) over a data area that starts full of stale bytes
    [InlineData(1, 3000, true)]
    public void A_ring_kept_full_by_a_slow_reader_never_overwrites_what_it_has_not_read(int minSize, int maxSize, bool staleData)
    {
        using var ring = new TestRing(staleData: staleData);
        var (writer, reader) = (ring.Writer, ring.Reader);
        var sizes = new Random(minSize * 31 + maxSize);
        var pending = new Queue<byte[]>();
        int sent = 0;
        int received = 0;
        int refusals = 0;
        byte[]? partial = null;
        (ReadOnlyMemory<byte> Memory, byte[] Expected)? held = null;
        while (received < 3000)
        {
            // Fill: write until the ring says no (a large message may be half in when it does).
            while (true)
            {
                byte[] message = partial ?? Message(sent, sizes.Next(minSize, maxSize + 1));
                if (!writer.TryWrite(message))
                {
                    partial = message;
                    refusals++;
                    break;
                }

                pending.Enqueue(message);
                partial = null;
                sent++;
            }

            // The message read last stays valid until the next read: the writes above must not have touched it.
            if (held is { } last)
            {
                Assert.True(last.Memory.Span.SequenceEqual(last.Expected), $"message {received - 1} was overwritten while the reader still held it");
            }

            // Drain one: it must be the oldest one sent, byte for byte.
            if (reader.TryRead(out var got))
            {
                byte[] expected = pending.Dequeue();
                Assert.True(got.Span.SequenceEqual(expected),
                    $"message {received} ({expected.Length} bytes) was overwritten before it was read (it starts with {Describe(got.Span)})");
                held = (got, expected);
                received++;
            }
            else
            {
                // Only a large message half in may leave nothing whole to read: its pieces were taken and space given
                // back, the held message's too (it was valid until this read).
                held = null;
                Assert.True(writer.InMessage && reader.InMessage, $"the ring refused a write while the reader found nothing to read (after {received} messages)");
            }
        }

        Assert.True(refusals >= received / 2, $"the ring was full at only {refusals} of {received} writes: the test lost its point");
    }

    [Fact]
    public void A_large_message_costs_the_reader_what_has_arrived_not_what_its_first_piece_declares()
    {
        using var ring = new TestRing(maxMessageSize: 64 << 20);
        var (writer, reader) = (ring.Writer, ring.Reader);
        byte[] large = Message(1, 16 << 20);

        // The writer stops when the ring is full, a few KiB into the 16 MiB: that is all the reader has seen.
        Assert.False(writer.TryWrite(large));
        Assert.False(reader.TryRead(out _));
        var (assembled, total) = reader.Progress;
        Assert.Equal(16 << 20, total);
        Assert.True(reader.AssemblyCapacity <= 2 * assembled, $"{assembled} bytes arrived, and the reader holds {reader.AssemblyCapacity}");

        // And the whole message still arrives.
        bool written = false;
        ReadOnlyMemory<byte> got = default;
        for (bool read = false; !read;)
        {
            written = written || writer.TryWrite(large);
            read = reader.TryRead(out got);
        }

        Assert.True(got.Span.SequenceEqual(large));
    }

    [Fact]
    public void A_reader_that_has_caught_up_finds_nothing_however_stale_the_bytes_where_the_next_record_goes()
    {
        using var ring = new TestRing(staleData: true);
        var (writer, reader) = (ring.Writer, ring.Reader);
        var sizes = new Random(12);
        for (int i = 0; i < 2000; i++) // many laps: records of every alignment, paddings, and pieces that wrap
        {
            byte[] message = Message(i, sizes.Next(0, 3000));
            bool written = false;
            ReadOnlyMemory<byte> got = default;
            for (bool read = false; !read;)
            {
                written = written || writer.TryWrite(message);
                read = reader.TryRead(out got);
            }

            Assert.True(written);
            Assert.True(got.Span.SequenceEqual(message), $"message {i} ({message.Length} bytes) arrived as {Describe(got.Span)}");
            Assert.False(reader.TryRead(out var extra), $"after message {i} the reader found a record nobody wrote ({extra.Length} bytes)");
        }
    }

    [Fact]
    public void A_claim_given_up_before_the_end_of_the_ring_publishes_nothing_and_the_next_message_arrives_whole()
    {
        using var ring = new TestRing();
        var (writer, reader) = (ring.Writer, ring.Reader);

        // Move the write position near the end, so the next claim of 1000 bytes skips to the start.
        for (int i = 0; i < 4; i++) // 4 records of 1008 bytes: 64 left before the end
        {
            Assert.True(writer.TryWrite(Message(i, 1000)));
            Assert.True(reader.TryRead(out _));
        }

        Assert.True(writer.TryClaim(1000, out byte* payload));
        Assert.True(payload == ring.Data + 4, "a claim that does not fit before the end starts over at offset 0");
        new Span<byte>(payload, 1000).Fill(0x5A);
        Assert.False(reader.TryRead(out _)); // given up: never published, the padding neither

        byte[] next = Message(7, 1000);
        Assert.True(writer.TryWrite(next));
        Assert.True(reader.TryRead(out var got));
        Assert.True(got.Span.SequenceEqual(next));
        Assert.False(reader.TryRead(out _));
    }

    /// <summary>One ring in native memory, its writer and its reader, freed on dispose.</summary>
    private sealed class TestRing : IDisposable
    {
        private readonly byte* _memory;

        /// <param name="maxMessageSize">The reader's limit.</param>
        /// <param name="staleData">
        /// Fill the data area with stale bytes that look like record headers, all but the first header word: the reader
        /// finds records by their headers (RingLayout), and only that word may be relied on to be zero.
        /// </param>
        public TestRing(int maxMessageSize = 1 << 20, bool staleData = false)
        {
            _memory = (byte*)NativeMemory.AlignedAlloc((nuint)(RingLayout.ControlSize + Capacity), 4096);
            NativeMemory.Clear(_memory, (nuint)(RingLayout.ControlSize + Capacity));
            Data = _memory + RingLayout.ControlSize;
            if (staleData)
            {
                new Span<byte>(Data + RingLayout.Terminator, (int)(Capacity - RingLayout.Terminator)).Fill(0x21);
            }

            Writer = new RingWriter(_memory, Data, Capacity, processPrivate: true);
            Reader = new RingReader(_memory, Data, Capacity, maxMessageSize, processPrivate: true);
        }

        public byte* Data { get; }

        public RingWriter Writer { get; }

        public RingReader Reader { get; }

        public void Dispose()
        {
            Reader.Dispose();
            NativeMemory.AlignedFree(_memory);
        }
    }

    /// <summary>A message that says which it is in every 4 bytes, so that a partial overwrite shows.</summary>
    private static byte[] Message(int sequence, int size)
    {
        var bytes = new byte[size];
        for (int i = 0; i + 4 <= size; i += 4)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i), sequence ^ i);
        }

        for (int i = size & ~3; i < size; i++)
        {
            bytes[i] = (byte)sequence;
        }

        return bytes;
    }

    private static string Describe(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= 4 ? $"word {BinaryPrimitives.ReadInt32LittleEndian(bytes)}" : $"{bytes.Length} bytes";
}
