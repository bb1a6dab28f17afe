using System.Buffers;

namespace IpcKit.Transports.Internal.Rings;

/// <summary>
/// Zero-copy sends (<see cref="IZeroCopySender"/>): a claim enters the send gate like a send and holds it until it is
/// committed or abandoned; the ring writer reserves the record (<see cref="RingWriter.TryClaim"/>) and publishes it on
/// commit. The hot path is the send's: no allocation, no fence, no syscall unless the peer sleeps.
/// </summary>
internal sealed partial class RingConnection : IZeroCopySender, IClaimOwner
{
    // The open claim; touched only by the thread inside the send gate.
    private int _claimToken;
    private bool _claimOpen;
    private bool _claimBiased;
    private unsafe byte* _claimPayload;
    private byte[]? _claimStage;

    public int MaxClaimLength => Math.Min(_tx.ClaimLimit, MaxMessageSize);

    public unsafe SendClaim Claim(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _core.CheckSendable(length);
        bool biased = EnterSend();
        try
        {
            Span<byte> span;
            bool inPlace = length <= _tx.ClaimLimit;
            if (inPlace)
            {
                byte* payload;
                while (!_tx.TryClaim(length, out payload))
                {
                    var outcome = _txWaiter.Wait(_tx.ObservedRead, CancellationToken.None);
                    if (outcome != WaitOutcome.Changed)
                    {
                        throw SendFailed(outcome);
                    }
                }

                _claimPayload = payload;
                span = new Span<byte>(payload, length);
            }
            else
            {
                // Too large for one record: stage it, and stream it through the ring on commit.
                _claimStage = ArrayPool<byte>.Shared.Rent(length);
                span = _claimStage.AsSpan(0, length);
            }

            _claimBiased = biased;
            _claimOpen = true;
            return new SendClaim(this, unchecked(++_claimToken), span, inPlace);
        }
        catch
        {
            _sendGate.Exit(biased);
            throw;
        }
    }

    unsafe void IClaimOwner.Commit(int token, int length)
    {
        CheckClaim(token);
        _claimOpen = false;
        try
        {
            if (_core.IsStopped)
            {
                throw _core.LocallyClosed("send");
            }

            if (_claimStage is { } stage)
            {
                while (!_tx.TryWrite(stage.AsSpan(0, length)))
                {
                    var outcome = _txWaiter.Wait(_tx.ObservedRead, CancellationToken.None);
                    if (outcome != WaitOutcome.Changed)
                    {
                        throw SendFailed(outcome);
                    }
                }
            }
            else
            {
                _tx.PublishClaim(_claimPayload, length);
            }
        }
        catch (Exception) when (_tx.InMessage)
        {
            Abort(); // half a staged message is in the ring, as in Send
            throw;
        }
        finally
        {
            EndClaim();
        }
    }

    void IClaimOwner.Abandon(int token)
    {
        if (_claimOpen && token == _claimToken)
        {
            _claimOpen = false;
            EndClaim();
        }
    }

    private void CheckClaim(int token)
    {
        if (!_claimOpen || token != _claimToken)
        {
            throw new InvalidOperationException("This claim was already committed or abandoned; claim again for another message.");
        }
    }

    private unsafe void EndClaim()
    {
        _claimPayload = null;
        if (_claimStage is { } stage)
        {
            _claimStage = null;
            ArrayPool<byte>.Shared.Return(stage);
        }

        _sendGate.Exit(_claimBiased);
    }
}
