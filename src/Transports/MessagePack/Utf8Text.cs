using System.Buffers;
using System.Text;

namespace IpcKit.Transports.MessagePack;

/// <summary>Strict UTF-8: overlong forms, encoded surrogates, code points above U+10FFFF and cut sequences are errors, never replaced.</summary>
internal static class Utf8Text
{
    public static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Decodes, reporting invalid input as a <see cref="MessagePackException"/> at its absolute offset.</summary>
    public static string Decode(ReadOnlySpan<byte> utf8, long offset)
    {
        try
        {
            return Strict.GetString(utf8);
        }
        catch (DecoderFallbackException ex)
        {
            throw Invalid(offset, ex);
        }
    }

    /// <summary>Decodes a string that may span several segments (copied to one pooled buffer first: this is the rare path).</summary>
    public static string Decode(in ReadOnlySequence<byte> utf8, long offset)
    {
        if (utf8.IsSingleSegment)
        {
            return Decode(utf8.FirstSpan, offset);
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)utf8.Length);
        try
        {
            utf8.CopyTo(buffer);
            return Decode(buffer.AsSpan(0, (int)utf8.Length), offset);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Throws <see cref="MessagePackException"/> unless the bytes are valid UTF-8.</summary>
    public static void Validate(ReadOnlySpan<byte> utf8, long offset)
    {
        if (!System.Text.Unicode.Utf8.IsValid(utf8))
        {
            try
            {
                _ = Strict.GetCharCount(utf8);
            }
            catch (DecoderFallbackException ex)
            {
                throw Invalid(offset, ex);
            }

            throw new MessagePackException(offset, "the string is not valid UTF-8.");
        }
    }

    /// <summary>Throws <see cref="MessagePackException"/> unless the bytes, possibly in several segments, are valid UTF-8.</summary>
    public static void Validate(in ReadOnlySequence<byte> utf8, long offset)
    {
        if (utf8.IsSingleSegment)
        {
            Validate(utf8.FirstSpan, offset);
            return;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)utf8.Length);
        try
        {
            utf8.CopyTo(buffer);
            Validate(buffer.AsSpan(0, (int)utf8.Length), offset);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static MessagePackException Invalid(long offset, DecoderFallbackException ex)
    {
        long at = ex.Index >= 0 ? offset + ex.Index : offset;
        return new MessagePackException(at, "the string is not valid UTF-8 (an overlong form, an encoded surrogate, a code point above U+10FFFF or a cut sequence).", ex);
    }
}
