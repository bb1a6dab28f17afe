using IpcKit.Protocol;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Workloads;

/// <summary>Typed request/reply of a small Order record (MessagePack); completed with the codec's typed layer.</summary>
internal sealed class RequestWorkload : Workload
{
    /// <summary>The size reported for request cases: the encoded sample Order is about this large.</summary>
    public const int NominalSize = 0;

    public override string Name => "request";

    public override string Description => "typed request/reply of an Order record: MessagePack encode + transport + decode, both ways";

    public override WorkerRole WorkerRole => WorkerRole.Reply;

    public override bool UsesMessageSize => false;

    public override CaseMeasurement Run(IConnection data, int messageSize, RunBudget budget) =>
        throw new NotSupportedException("The request workload needs the typed MessagePack layer.");
}
