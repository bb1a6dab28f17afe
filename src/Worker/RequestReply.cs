using IpcKit.Protocol;
using IpcKit.Transports;

namespace IpcKit.Worker;

/// <summary>The request workload's server side; filled in with the typed Order messages.</summary>
internal static class RequestReply
{
    public static void Serve(IConnection data, StreamVerifier verifier)
    {
        _ = verifier;
        while (data.Receive() is { } message)
        {
            data.Send(message.Span);
        }
    }
}
