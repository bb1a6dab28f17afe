namespace IpcKit.Transports.MessagePack;

/// <summary>
/// Limits that keep decoding of untrusted input bounded. Independently of these limits, every declared length is
/// checked against the bytes actually left in the input before anything is allocated, so a short input can never
/// make the reader allocate much: an array of N elements needs at least N remaining bytes, a map of N entries 2N.
/// </summary>
/// <remarks>Immutable: change a setting with a <see langword="with"/> expression, e.g.
/// <c>MessagePackReaderOptions.Default with { MaxDepth = 16 }</c>.</remarks>
public sealed record MessagePackReaderOptions
{
    private readonly int _maxDepth = 64;
    private readonly int _maxStringLength = 16 * 1024 * 1024;
    private readonly int _maxBinaryLength = 64 * 1024 * 1024;
    private readonly int _maxCollectionLength = 1024 * 1024;

    /// <summary>The defaults listed on each property.</summary>
    public static MessagePackReaderOptions Default { get; } = new();

    /// <summary>
    /// How deeply arrays and maps may nest. Default: 64. A top-level array is depth 1; the 65th nested container is
    /// rejected. Enforced by <see cref="MessagePackReader.Skip"/> and by every collection formatter.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxDepth { get => _maxDepth; init => _maxDepth = Positive(value); }

    /// <summary>The longest string accepted, in UTF-8 bytes. Default: 16 MiB (16,777,216 bytes).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxStringLength { get => _maxStringLength; init => _maxStringLength = Positive(value); }

    /// <summary>The longest bin or ext payload accepted, in bytes. Default: 64 MiB (67,108,864 bytes), the transports' default maximum message size.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxBinaryLength { get => _maxBinaryLength; init => _maxBinaryLength = Positive(value); }

    /// <summary>The most elements an array, or entries a map, may declare. Default: 1,048,576 (2^20).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxCollectionLength { get => _maxCollectionLength; init => _maxCollectionLength = Positive(value); }

    private static int Positive(int value, [System.Runtime.CompilerServices.CallerMemberName] string name = "")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, name);
        return value;
    }
}
