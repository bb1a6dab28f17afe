using System.Buffers;
using System.Runtime.CompilerServices;

namespace IpcKit.Transports.MessagePack;

/// <content>Skipping a value of any type without recursion.</content>
public ref partial struct MessagePackReader
{
    /// <summary>The nesting levels <see cref="Skip"/> tracks on the stack before it rents an array.</summary>
    private const int SkipStackLimit = 64;

    /// <summary>
    /// Skips the next value, whatever its type, including everything nested in it. Iterative: deep input costs no
    /// call stack. Enforces the same limits as reading would: <see cref="MessagePackReaderOptions.MaxDepth"/> (counting
    /// from <see cref="Depth"/>), declared lengths, and 0xc1; strings are not checked for valid UTF-8.
    /// </summary>
    /// <exception cref="MessagePackException">The value is malformed, over a limit, nested too deeply, or truncated.</exception>
    [SkipLocalsInit]
    public void Skip()
    {
        // One counter per open container: how many values it still holds. A finished value (a scalar, or a container
        // whose last value was just skipped) decrements the innermost counter, closing containers as they reach zero.
        int capacity = (int)Math.Min(Math.Max(_options.MaxDepth - Depth, 1), Math.Min(Remaining + 1, int.MaxValue));
        long[]? rented = null;
        Span<long> pending = capacity <= SkipStackLimit
            ? stackalloc long[SkipStackLimit]
            : (rented = ArrayPool<long>.Shared.Rent(capacity));
        try
        {
            int open = 0;
            while (true)
            {
                long offset = Consumed;
                long children = SkipHeader();
                if (children > 0)
                {
                    if (Depth + open >= _options.MaxDepth)
                    {
                        throw DepthExceeded(offset);
                    }

                    pending[open++] = children;
                    continue;
                }

                while (true)
                {
                    if (open == 0)
                    {
                        return;
                    }

                    if (--pending[open - 1] > 0)
                    {
                        break;
                    }

                    open--;
                }
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<long>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Skips a scalar whole, or only the header of an array or map. Returns how many values the container holds
    /// (a map's entries count twice), or 0 for a scalar.
    /// </summary>
    private long SkipHeader()
    {
        long start = Consumed;
        byte code = ReadCode();
        long count;
        switch (code)
        {
            case <= MessagePackCode.MaxPositiveFixInt:
            case >= MessagePackCode.MinNegativeFixInt:
            case MessagePackCode.Nil:
            case MessagePackCode.False:
            case MessagePackCode.True:
                return 0;
            case <= MessagePackCode.MaxFixMap:
                count = code & 0x0f;
                CheckCollectionLength(count, 2 * count, "map", start);
                return 2 * count;
            case <= MessagePackCode.MaxFixArray:
                count = code & 0x0f;
                CheckCollectionLength(count, count, "array", start);
                return count;
            case <= MessagePackCode.MaxFixStr:
                SkipPayload(code & 0x1f, _options.MaxStringLength, "string", nameof(MessagePackReaderOptions.MaxStringLength), start);
                return 0;
            case MessagePackCode.UInt8 or MessagePackCode.Int8:
                SkipFixed(1);
                return 0;
            case MessagePackCode.UInt16 or MessagePackCode.Int16:
                SkipFixed(2);
                return 0;
            case MessagePackCode.UInt32 or MessagePackCode.Int32 or MessagePackCode.Float32:
                SkipFixed(4);
                return 0;
            case MessagePackCode.UInt64 or MessagePackCode.Int64 or MessagePackCode.Float64:
                SkipFixed(8);
                return 0;
            case MessagePackCode.Str8 or MessagePackCode.Str16 or MessagePackCode.Str32:
                SkipPayload(ReadLength(code - MessagePackCode.Str8), _options.MaxStringLength, "string", nameof(MessagePackReaderOptions.MaxStringLength), start);
                return 0;
            case MessagePackCode.Bin8 or MessagePackCode.Bin16 or MessagePackCode.Bin32:
                SkipPayload(ReadLength(code - MessagePackCode.Bin8), _options.MaxBinaryLength, "bin", nameof(MessagePackReaderOptions.MaxBinaryLength), start);
                return 0;
            case >= MessagePackCode.FixExt1 and <= MessagePackCode.FixExt16:
                // fixext N: a type byte, then 1 << (code - 0xd4) bytes.
                SkipFixed(1 + (1 << (code - MessagePackCode.FixExt1)));
                return 0;
            case MessagePackCode.Ext8 or MessagePackCode.Ext16 or MessagePackCode.Ext32:
                long length = ReadLength(code - MessagePackCode.Ext8);
                SkipFixed(1);
                SkipPayload(length, _options.MaxBinaryLength, "extension", nameof(MessagePackReaderOptions.MaxBinaryLength), start);
                return 0;
            case MessagePackCode.Array16 or MessagePackCode.Array32:
                count = ReadLength(code - MessagePackCode.Array16 + 1);
                CheckCollectionLength(count, count, "array", start);
                return count;
            case MessagePackCode.Map16 or MessagePackCode.Map32:
                count = ReadLength(code - MessagePackCode.Map16 + 1);
                CheckCollectionLength(count, 2 * count, "map", start);
                return 2 * count;
            default:
                throw TypeMismatch(code, "a value");
        }
    }

    /// <summary>Reads a big-endian length of 1, 2 or 4 bytes, selected by <paramref name="width"/> 0, 1 or 2.</summary>
    private long ReadLength(int width) => width switch
    {
        0 => ReadByteRaw(),
        1 => ReadUInt16Raw(),
        _ => ReadUInt32Raw(),
    };

    private void SkipFixed(int count)
    {
        if (count > Remaining)
        {
            throw Truncated(count);
        }

        Advance(count);
    }

    private void SkipPayload(long length, int limit, string what, string limitName, long start)
    {
        CheckDeclaredLength(length, limit, what, limitName, start);
        Advance(length);
    }
}
