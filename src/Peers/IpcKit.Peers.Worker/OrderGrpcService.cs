using System.Diagnostics.CodeAnalysis;
using Grpc.Core;
using IpcKit.Peers.Grpc;
using IpcKit.Protocol.Samples;

namespace IpcKit.Peers.Worker;

/// <summary>
/// The gRPC service's base, bound by hand the way Grpc.Tools' generated base class is bound: Grpc.AspNetCore finds
/// <see cref="BindService"/> through the attribute, learns the method from it, and calls the override of the virtual
/// method of the same name (<see cref="Place"/>) for each request. Both must be public for it to bind them.
/// </summary>
[BindServiceMethod(typeof(OrderServiceBase), nameof(BindService))]
[SuppressMessage("Maintainability", "CA1515", Justification = "Grpc.AspNetCore binds and activates only public service types.")]
public abstract class OrderServiceBase
{
    /// <summary>Declares the service's one method; Grpc.AspNetCore passes no instance here, only the binder.</summary>
    public static void BindService(ServiceBinderBase binder, OrderServiceBase? service)
    {
        ArgumentNullException.ThrowIfNull(binder);
        binder.AddMethod(OrderGrpc.Place, service is null ? null : service.Place);
    }

    /// <summary>Answers an order with its receipt.</summary>
    public abstract Task<OrderReceipt> Place(Order request, ServerCallContext context);
}

/// <summary>The service: each order is answered with its receipt, as IpcKit.Worker's reply role does.</summary>
[SuppressMessage("Maintainability", "CA1515", Justification = "Grpc.AspNetCore binds and activates only public service types.")]
public sealed class OrderGrpcService : OrderServiceBase
{
    /// <inheritdoc/>
    public override Task<OrderReceipt> Place(Order request, ServerCallContext context) => Task.FromResult(OrderReceipt.For(request));
}
