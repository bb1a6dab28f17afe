namespace IpcKit.Transports;

/// <summary>
/// A connection that lets the sender write a message straight into the transport's buffer instead of handing over
/// bytes to be copied in: claim room for the message, write it in place, commit it (as Aeron's <c>tryClaim</c> and
/// iceoryx2's <c>loan</c> do). The ring transports (<c>mmf</c> and <c>thread</c>) implement it; test for it with
/// <c>connection is IZeroCopySender sender</c>.
/// </summary>
/// <remarks>
/// <para><b>Usage.</b></para>
/// <code>
/// using var claim = sender.Claim(length);
/// Serialize(message, claim.Span);   // write all of claim.Span, or the first n bytes and Commit(n)
/// claim.Commit();                   // the peer can now receive it; Dispose after Commit does nothing
/// </code>
/// <para><b>Lifetime.</b> <see cref="SendClaim.Span"/> is memory shared with the peer's process; it is valid from
/// <see cref="Claim"/> until <see cref="SendClaim.Commit()"/> or <see cref="SendClaim.Abandon"/>, and must not be
/// touched after either. <see cref="SendClaim"/> is a <c>ref struct</c>, so it cannot be kept in a field or across
/// an <c>await</c>: claim, write and commit in one synchronous stretch of code.</para>
/// <para><b>Threading.</b> A claim holds the connection's send side, exactly like a <see cref="IConnection.Send(ReadOnlySpan{byte})"/>
/// in progress: other sends (and claims) on the connection wait until it is committed or abandoned, so keep the
/// stretch between claim and commit short. Receives go on meanwhile.</para>
/// <para><b>Size.</b> A message of up to <see cref="MaxClaimLength"/> bytes (a quarter of the ring, less 12 bytes:
/// the record's 4-byte header and the 8 bytes kept free after it for the next header) is claimed in place. A larger one, up to <see cref="IConnection.MaxMessageSize"/>, still works: the claim
/// hands out a pooled staging buffer instead (<see cref="SendClaim.InPlace"/> is false) and commit copies it into
/// the ring in pieces, as <see cref="IConnection.Send(ReadOnlySpan{byte})"/> would. Size the ring (<c>capacity=</c>)
/// to at least four times your largest message plus 16 bytes to write every message in place.</para>
/// <para><b>Close.</b> Nothing of a claimed message is visible to the peer before commit, so abandoning it, or a
/// connection aborted or disposed meanwhile, never leaves half a message behind. A commit on a connection that has
/// been aborted or disposed publishes nothing and throws <see cref="ConnectionClosedException"/>. Dispose the
/// connection only after committing or abandoning: a dispose that finds a claim open waits up to 2 seconds for it,
/// then closes without it.</para>
/// </remarks>
public interface IZeroCopySender
{
    /// <summary>The largest message a claim writes in place, in bytes: a quarter of the ring less 12 bytes, at most <see cref="IConnection.MaxMessageSize"/>.</summary>
    int MaxClaimLength { get; }

    /// <summary>
    /// Claims room for one message of <paramref name="length"/> bytes, blocking the calling thread while the ring is
    /// full (the way <see cref="IConnection.Send(ReadOnlySpan{byte})"/> blocks; <see cref="IConnection.Abort"/> ends the wait).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="FrameTooLargeException"><paramref name="length"/> is larger than <see cref="IConnection.MaxMessageSize"/>.</exception>
    /// <exception cref="ConnectionClosedException">The connection is closed or the peer has gone.</exception>
    SendClaim Claim(int length);
}

/// <summary>
/// Room for one message claimed by <see cref="IZeroCopySender.Claim"/>: write <see cref="Span"/>, then
/// <see cref="Commit()"/> it or <see cref="Abandon"/> it. Disposing an open claim abandons it. See
/// <see cref="IZeroCopySender"/> for the lifetime and threading rules.
/// </summary>
public readonly ref struct SendClaim
{
    private readonly IClaimOwner? _owner;
    private readonly int _token;

    internal SendClaim(IClaimOwner owner, int token, Span<byte> span, bool inPlace)
    {
        _owner = owner;
        _token = token;
        Span = span;
        InPlace = inPlace;
    }

    /// <summary>Where the message goes: the claimed bytes, in the ring itself when <see cref="InPlace"/>. Their content is undefined until written.</summary>
    public Span<byte> Span { get; }

    /// <summary>The claimed length in bytes.</summary>
    public int Length => Span.Length;

    /// <summary>True when <see cref="Span"/> lies in the ring (the message is written once); false for a staged message larger than <see cref="IZeroCopySender.MaxClaimLength"/>.</summary>
    public bool InPlace { get; }

    /// <summary>Publishes the whole claimed length to the peer. The claim is over afterwards.</summary>
    /// <exception cref="InvalidOperationException">The claim was already committed or abandoned.</exception>
    /// <exception cref="ConnectionClosedException">The connection was closed meanwhile; nothing was published.</exception>
    public void Commit() => Commit(Span.Length);

    /// <summary>Publishes the first <paramref name="length"/> bytes of the claim as the message (for a writer that needed less than it claimed).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative or larger than the claim; the claim stays open.</exception>
    /// <exception cref="InvalidOperationException">The claim was already committed or abandoned.</exception>
    /// <exception cref="ConnectionClosedException">The connection was closed meanwhile; nothing was published.</exception>
    public void Commit(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Span.Length);
        (_owner ?? throw new InvalidOperationException("This claim is empty; get one from IZeroCopySender.Claim.")).Commit(_token, length);
    }

    /// <summary>Gives the room back unpublished; the peer never sees the message. Does nothing once the claim is over.</summary>
    public void Abandon() => _owner?.Abandon(_token);

    /// <summary>Abandons the claim if it is still open (so that <c>using</c> covers an exception before commit).</summary>
    public void Dispose() => Abandon();
}

/// <summary>The connection behind a <see cref="SendClaim"/>; the token tells a stale claim from the open one.</summary>
internal interface IClaimOwner
{
    void Commit(int token, int length);

    void Abandon(int token);
}
