using System.Globalization;
using IpcKit.Protocol;

namespace IpcKit.Peers;

/// <summary>
/// How the coordinator talks to a peer worker, line by line in UTF-8: the worker's stdout first says
/// <c>ready ADDRESS</c>; then each <c>counters</c> line on its stdin is answered on its stdout with
/// <c>counters USER_NS SYSTEM_NS VOLUNTARY INVOLUNTARY</c> (getrusage of the whole worker process, exited threads
/// included); end of file on its stdin stops it. A line protocol, not IpcKit.Worker's MessagePack control channel:
/// the peer worker has one question to answer, and its figures must be as plain to check as to produce.
/// </summary>
public static class PeerWorkerProtocol
{
    /// <summary>The line that asks for the worker's CPU counters.</summary>
    public const string CountersRequest = "counters";

    /// <summary>The answer to <see cref="CountersRequest"/>.</summary>
    public static string FormatCounters(ProcessCounters counters) =>
        string.Create(CultureInfo.InvariantCulture, $"counters {counters.UserNs} {counters.SystemNs} {counters.Voluntary} {counters.Involuntary}");

    /// <summary>Reads an answer to <see cref="CountersRequest"/>; null when the line is not one.</summary>
    public static ProcessCounters? ParseCounters(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        string[] parts = line.Split(' ');
        var values = new long[4];
        if (parts.Length != 5 || parts[0] != "counters")
        {
            return null;
        }

        for (int i = 0; i < values.Length; i++)
        {
            if (!long.TryParse(parts[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out values[i]))
            {
                return null;
            }
        }

        return new ProcessCounters(values[0], values[1], values[2], values[3]);
    }
}
