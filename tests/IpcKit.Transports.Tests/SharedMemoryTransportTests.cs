using IpcKit.Transports.SharedMemory;

namespace IpcKit.Transports.Tests;

/// <summary>The conformance suite over shared memory, once per wait strategy: each has its own wait path.</summary>
public abstract class MmfTransportTests : CrossProcessConformanceTests
{
    protected abstract RingWait Wait { get; }

    protected override ITransport CreateTransport(int maxMessageSize = 0) =>
        new MmfTransport(maxMessageSize > 0 ? new() { MaxMessageSize = maxMessageSize, Wait = Wait } : new() { Wait = Wait });
}

public sealed class MmfBackoffTransportTests : MmfTransportTests
{
    protected override RingWait Wait => RingWait.Backoff;
}

public sealed class MmfBlockTransportTests : MmfTransportTests
{
    protected override RingWait Wait => RingWait.Block;
}

public sealed class MmfSpinTransportTests : MmfTransportTests
{
    protected override RingWait Wait => RingWait.Spin;

    protected override bool ReceiveSleepsInKernel => false;
}
