using System.Globalization;
using IpcKit.Coordinator.Running;

namespace IpcKit.Coordinator.Remote;

/// <summary>
/// Where --remote starts workers: a host through the system's ssh client, or any command prefix that runs a program
/// with stdio attached (kubectl exec -i, docker exec -i, ip netns exec). IpcKit adds no daemon and no authentication of
/// its own: the engine's (keys, agents, known_hosts, kubeconfig) is what lets the worker start at all.
/// </summary>
internal abstract record RemoteTarget
{
    /// <summary>The environment variable that replaces the `ssh` command, like GIT_SSH_COMMAND: e.g. `ssh -F ./config`.</summary>
    public const string SshCommandVariable = "IPCKIT_SSH_COMMAND";

    /// <summary>How the target was written, for messages and the report.</summary>
    public abstract string Display { get; }

    /// <summary>The engine's program, for messages (ssh, kubectl…).</summary>
    public abstract string Engine { get; }

    /// <summary>True for ssh://: the remote side's SSH_CONNECTION tells which of its addresses we reached.</summary>
    public virtual bool IsSsh => false;

    /// <summary>The local command that runs <paramref name="ipckit"/> followed by <paramref name="arguments"/> on the target.</summary>
    public abstract ChildCommand CommandFor(IReadOnlyList<string> ipckit, params IReadOnlyList<string> arguments);

    /// <summary>Parses <c>ssh://[user@]host[:port]</c> or <c>exec:COMMAND PREFIX</c>.</summary>
    /// <exception cref="FormatException">Neither form, with what is wrong.</exception>
    public static RemoteTarget Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.StartsWith("exec:", StringComparison.Ordinal))
        {
            var prefix = ShellWords.Split(text["exec:".Length..]);
            return prefix.Count > 0
                ? new ExecTarget(prefix)
                : throw new FormatException("--remote exec: needs a command prefix, e.g. exec:'ip netns exec ns1' or exec:'kubectl exec -i mypod --'.");
        }

        if (text.StartsWith("ssh://", StringComparison.Ordinal))
        {
            return SshTarget.ParseUri(text);
        }

        throw new FormatException($"--remote '{text}' is neither ssh://[user@]host[:port] nor exec:'COMMAND PREFIX'.");
    }
}

/// <summary>A host reached with the system's ssh client, in batch mode, with the user's own configuration.</summary>
internal sealed record SshTarget(string? User, string Host, int? Port, string Text) : RemoteTarget
{
    /// <summary>
    /// Options that make ssh fit for a program: never ask for a password or a host key on a terminal (batch mode),
    /// carry binary stdio untouched (no tty, no escape character), give up on an unreachable host after 10 s, and
    /// notice a dead link within about 10 s (keepalives), which ends the run with an error rather than a hang.
    /// </summary>
    internal static readonly IReadOnlyList<string> Options =
    [
        "-T", "-e", "none", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=2", "-o", "ServerAliveCountMax=5",
    ];

    public override string Display => Text;

    public override string Engine => "ssh";

    public override bool IsSsh => true;

    public static SshTarget ParseUri(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            throw new FormatException($"--remote '{text}' is not of the form ssh://[user@]host[:port].");
        }

        if (uri.AbsolutePath is not ("" or "/") || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new FormatException($"--remote '{text}' has a path or query; write ssh://[user@]host[:port] (the tool's path goes in --remote-ipckit).");
        }

        string? user = uri.UserInfo.Length > 0 ? Uri.UnescapeDataString(uri.UserInfo) : null;
        if (user is not null && (user.Contains(':', StringComparison.Ordinal) || user.StartsWith('-')))
        {
            throw new FormatException($"--remote '{text}': give no password in the URL (ssh uses your keys and agent), and no user starting with '-'.");
        }

        string host = uri.Host.Trim('[', ']');
        if (host.StartsWith('-'))
        {
            throw new FormatException($"--remote '{text}': a host name cannot start with '-'.");
        }

        return new SshTarget(user, host, uri.IsDefaultPort || uri.Port < 0 ? null : uri.Port, text);
    }

    public override ChildCommand CommandFor(IReadOnlyList<string> ipckit, params IReadOnlyList<string> arguments)
    {
        var ssh = Environment.GetEnvironmentVariable(SshCommandVariable) is { Length: > 0 } custom ? ShellWords.Split(custom) : ["ssh"];
        var args = new List<string>(ssh.Skip(1));
        args.AddRange(Options);
        if (Port is { } port)
        {
            args.AddRange(["-p", port.ToString(CultureInfo.InvariantCulture)]);
        }

        if (User is not null)
        {
            args.AddRange(["-l", User]);
        }

        // ssh hands the remote login shell one string: quote every word, and exec so that no shell stays between sshd
        // and the worker (the worker then sees the channel's end of file itself).
        args.AddRange(["--", Host, "exec " + ShellWords.Join([.. ipckit, .. arguments])]);
        return new ChildCommand(ssh[0]).WithArguments(args);
    }
}

/// <summary>Any command prefix that runs a program with stdio attached: the worker's command is appended to it as words.</summary>
internal sealed record ExecTarget(IReadOnlyList<string> Prefix) : RemoteTarget
{
    public override string Display => "exec:" + ShellWords.Join(Prefix);

    public override string Engine => Path.GetFileName(Prefix[0]);

    public override ChildCommand CommandFor(IReadOnlyList<string> ipckit, params IReadOnlyList<string> arguments) =>
        new ChildCommand(Prefix[0]).WithArguments([.. Prefix.Skip(1), .. ipckit, .. arguments]);
}
