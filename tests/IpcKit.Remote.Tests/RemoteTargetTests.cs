using IpcKit.Coordinator.Remote;

namespace IpcKit.Remote.Tests;

/// <summary>Parsing --remote and building the engine's command line: no processes, no root needed.</summary>
public sealed class RemoteTargetTests
{
    [Theory]
    [InlineData("ssh://box", null, "box", null)]
    [InlineData("ssh://alice@box.example:2222", "alice", "box.example", 2222)]
    [InlineData("ssh://bob@[fd00::5]:22", "bob", "fd00::5", 22)]
    public void An_ssh_target_gives_user_host_and_port(string text, string? user, string host, int? port)
    {
        var target = Assert.IsType<SshTarget>(RemoteTarget.Parse(text));
        Assert.Equal((user, host, port), (target.User, target.Host, target.Port));
        Assert.Equal(text, target.Display);
    }

    [Theory]
    [InlineData("ssh://", "not of the form")]
    [InlineData("ssh://box/opt/ipckit", "path or query")]
    [InlineData("ssh://alice:secret@box", "no password")]
    [InlineData("ssh://-evil", "cannot start with '-'")]
    [InlineData("box", "neither ssh://")]
    [InlineData("exec:", "needs a command prefix")]
    [InlineData("exec:'kubectl exec", "not closed")]
    public void A_malformed_target_is_refused_with_the_reason(string text, string reason) =>
        Assert.Contains(reason, Assert.Throws<FormatException>(() => RemoteTarget.Parse(text)).Message, StringComparison.Ordinal);

    [Fact]
    public void The_ssh_command_runs_in_batch_mode_and_quotes_the_remote_words_for_the_login_shell()
    {
        var command = RemoteTarget.Parse("ssh://alice@box:2222").CommandFor(["/opt/my tools/ipckit"], "worker");
        Assert.Equal("ssh", command.Program);
        var args = command.Arguments;
        Assert.Contains("BatchMode=yes", args);
        Assert.Contains("-T", args);
        Assert.Equal(["-p", "2222", "-l", "alice", "--", "box", "exec '/opt/my tools/ipckit' worker"], args.Skip(args.Count - 7));
    }

    [Fact]
    public void A_remote_ipckit_under_the_home_directory_is_left_for_the_remote_shell_to_expand()
    {
        var command = RemoteTarget.Parse("ssh://box").CommandFor(["~/.dotnet/tools/ipckit"], "worker");
        Assert.Equal("exec ~/.dotnet/tools/ipckit worker", command.Arguments[^1]);
    }

    [Fact]
    public void An_exec_prefix_is_split_like_a_shell_and_the_worker_command_appended_as_words()
    {
        var command = RemoteTarget.Parse("exec:kubectl exec -i \"my pod\" --").CommandFor(["ipckit"], "worker");
        Assert.Equal("kubectl", command.Program);
        Assert.Equal(["exec", "-i", "my pod", "--", "ipckit", "worker"], command.Arguments);
    }

    [Theory]
    [InlineData("a 'b c' d", new[] { "a", "b c", "d" })]
    [InlineData("it\\'s \"x\\\"y\" ''", new[] { "it's", "x\"y", "" })]
    [InlineData("  spaced\tout  ", new[] { "spaced", "out" })]
    public void Shell_words_split_and_quote_back_to_the_same_words(string text, string[] words)
    {
        Assert.Equal(words, ShellWords.Split(text));
        Assert.Equal(words, ShellWords.Split(ShellWords.Join(words)));
    }
}
