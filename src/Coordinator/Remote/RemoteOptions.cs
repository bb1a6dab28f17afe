using System.CommandLine;
using System.Net;
using IpcKit.Coordinator.Commands;
using IpcKit.Coordinator.Planning;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Running;

namespace IpcKit.Coordinator.Remote;

/// <summary>The --remote options of `ipckit bench`, and setting a plan up for them (docs/remote.md).</summary>
internal static class RemoteOptions
{
    public static readonly Option<string?> Remote = new("--remote")
    {
        Description = "Run the workers on another host: ssh://[user@]host[:port] (the system's ssh, batch mode, your own config), or exec:'COMMAND PREFIX' for any command that runs a program with stdio attached (exec:'kubectl exec -i pod --', exec:'docker exec -i box', exec:'ip netns exec ns1'). Measures --transport tcp across the link. See docs/remote.md.",
    };

    public static readonly Option<string?> RemoteIpckit = new("--remote-ipckit")
    {
        Description = "The ipckit command on the remote side, when it is not `ipckit` on the remote PATH (e.g. ~/.dotnet/tools/ipckit). Default: `ipckit`, then this ipckit's own path.",
    };

    public static readonly Option<string?> RemoteBind = new("--remote-bind")
    {
        Description = "The local ADDRESS[:PORT] the data listener binds, reachable from the remote side. Default: this machine's address towards the remote host, any free port.",
    };

    public static IEnumerable<Option> All => [Remote, RemoteIpckit, RemoteBind];

    /// <summary>
    /// With --remote: checks the plan fits, probes the target, and returns the plan with a remote launcher and what the
    /// report records of the remote side. Without it: the plan unchanged and null.
    /// </summary>
    /// <exception cref="UsageException">The options are malformed or do not fit together.</exception>
    /// <exception cref="RemoteSetupException">The engine or the remote tool failed, or no address fits.</exception>
    public static async Task<(BenchPlan Plan, RemoteRun? Remote)> PrepareAsync(
        ParseResult parse, BenchPlan plan, Action<string> progress, CancellationToken cancellationToken)
    {
        if (parse.GetValue(Remote) is not { } text)
        {
            return parse.GetValue(RemoteIpckit) is not null || parse.GetValue(RemoteBind) is not null
                ? throw new UsageException("--remote-ipckit and --remote-bind go with --remote.")
                : (plan, null);
        }

        RemoteTarget target;
        IReadOnlyList<string>? ipckit;
        try
        {
            target = RemoteTarget.Parse(text);
            ipckit = parse.GetValue(RemoteIpckit) is { } words ? ShellWords.Split(words) : null;
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message, e);
        }

        if (ipckit is { Count: 0 })
        {
            throw new UsageException("--remote-ipckit is empty.");
        }

        if (plan.Transports.Any(t => t.Scheme != "tcp"))
        {
            throw new UsageException($"--remote measures TCP between hosts: add --transport tcp ({string.Join(", ", plan.Transports.Select(t => t.Scheme).Where(s => s != "tcp"))} cannot cross machines).");
        }

        var (bindGiven, port) = ParseBind(parse.GetValue(RemoteBind));
        progress($"remote: asking {target.Display} to describe itself (ipckit worker --describe)");
        var (description, command) = await RemoteProbe.RunAsync(target, ipckit, cancellationToken);
        IPAddress bind;
        if (bindGiven is not null)
        {
            bind = bindGiven;
        }
        else
        {
            (bind, string why) = LinkAddress.Choose(description, target.Display);
            progress($"remote: {why}");
        }

        var local = EnvironmentInfo.Capture();
        if (description.Environment.IpcKitVersion != local.IpcKitVersion)
        {
            progress($"remote: note: the remote ipckit is {description.Environment.IpcKitVersion}, this one {local.IpcKitVersion}.");
        }

        if (plan.Pin != PinMode.None)
        {
            // --pin places two threads on this machine's CPUs; one of them now runs on another host.
            progress($"remote: threads are not pinned (--pin {plan.Pin.ToString().ToLowerInvariant()} places both on this machine's CPUs, and the worker runs elsewhere).");
            plan = plan with { Pin = PinMode.None };
        }

        var launcher = new RemoteLauncher(target, command, bind, port, line => progress($"remote: {line}"));
        var run = new RemoteRun
        {
            Target = target.Display,
            Ipckit = command,
            DataAddress = port == 0 ? bind.ToString() : new IPEndPoint(bind, port).ToString(),
            Environment = description.Environment,
        };
        return (plan with { Launcher = launcher }, run);
    }

    private static (IPAddress? Address, int Port) ParseBind(string? text)
    {
        if (text is null)
        {
            return (null, 0);
        }

        if (IPEndPoint.TryParse(text, out var endpoint))
        {
            return (endpoint.Address, endpoint.Port);
        }

        throw new UsageException($"--remote-bind '{text}' is not ADDRESS or ADDRESS:PORT (e.g. 192.168.1.5, 192.168.1.5:40000, [fd00::5]:40000).");
    }
}

/// <summary>What a result file records of a run with --remote: where the workers ran, and that host's environment.</summary>
internal sealed record RemoteRun
{
    /// <summary>The --remote target as given: ssh://… or exec:….</summary>
    public required string Target { get; init; }

    /// <summary>The ipckit command run on the remote side (followed by `worker`).</summary>
    public required IReadOnlyList<string> Ipckit { get; init; }

    /// <summary>The local address the data listeners bound, with the port when --remote-bind fixed one.</summary>
    public required string DataAddress { get; init; }

    /// <summary>The remote host's environment, as its ipckit measured it; the top-level environment is this machine's.</summary>
    public required EnvironmentInfo Environment { get; init; }
}
