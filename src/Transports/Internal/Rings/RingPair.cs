
namespace IpcKit.Transports.Internal.Rings;

/// <summary>Where one side's two rings lie, how it waits, and who the peer is.</summary>
internal readonly unsafe struct RingPair
{
    public RingPair(byte* sendControl, byte* sendData, byte* receiveControl, byte* receiveData, long capacity, RingWait wait, ProcessIdentity? peer, bool processPrivate)
    {
        SendControl = sendControl;
        SendData = sendData;
        ReceiveControl = receiveControl;
        ReceiveData = receiveData;
        Capacity = capacity;
        Wait = wait;
        Peer = peer;
        ProcessPrivate = processPrivate;
    }

    public byte* SendControl { get; }

    public byte* SendData { get; }

    public byte* ReceiveControl { get; }

    public byte* ReceiveData { get; }

    public long Capacity { get; }

    public RingWait Wait { get; }

    public ProcessIdentity? Peer { get; }

    public bool ProcessPrivate { get; }
}
