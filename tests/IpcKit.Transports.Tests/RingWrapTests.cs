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
    [InlineData(500, 1020)]  // whole records of up to a quarter of the ring: most leave a tail too short and pad
    [InlineData(1021, 3000)] // larger than a whole record: pieces that wrap at the end
    [InlineData(1, 3000)]    // both, mixed
    public void A_ring_kept_full_by_a_slow_reader_never_overwrites_what_it_has_not_read(int minSize, int maxSize)
    {
        byte* memory = (byte*)NativeMemory.AlignedAlloc((nuint)(RingLayout.ControlSize + Capacity), 4096);
        try
        {
            NativeMemory.Clear(memory, (nuint)(RingLayout.ControlSize + Capacity));
            var writer = new RingWriter(memory, memory + RingLayout.ControlSize, Capacity, processPrivate: true);
            using var reader = new RingReader(memory, memory + RingLayout.ControlSize, Capacity, 1 << 20, processPrivate: true);
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
        finally
        {
            NativeMemory.AlignedFree(memory);
        }
    }

    [Fact]
    public void A_large_message_costs_the_reader_what_has_arrived_not_what_its_first_piece_declares()
    {
        byte* memory = (byte*)NativeMemory.AlignedAlloc((nuint)(RingLayout.ControlSize + Capacity), 4096);
        try
        {
            NativeMemory.Clear(memory, (nuint)(RingLayout.ControlSize + Capacity));
            var writer = new RingWriter(memory, memory + RingLayout.ControlSize, Capacity, processPrivate: true);
            using var reader = new RingReader(memory, memory + RingLayout.ControlSize, Capacity, 64 << 20, processPrivate: true);
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
        finally
        {
            NativeMemory.AlignedFree(memory);
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
