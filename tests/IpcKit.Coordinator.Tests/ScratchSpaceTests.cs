using System.Net.Sockets;
using System.Text.RegularExpressions;
using IpcKit.Coordinator.Running;

namespace IpcKit.Coordinator.Tests;

/// <summary>
/// The stale-run sweep removes what a killed ipckit run provably made, and nothing else (issue 12, item 1). Each test
/// sweeps a directory of its own, never the real $TMPDIR, which other programs share.
/// </summary>
public sealed class ScratchSpaceTests : IDisposable
{
    /// <summary>A pid no process can have (above the kernel's largest pid_max, 2^22), so a "run" with it is dead.</summary>
    private const int DeadPid = 999_999_990;

    private readonly string _root = Directory.CreateTempSubdirectory("sweep-test-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string At(string name) => Path.Combine(_root, name);

    [Fact]
    public void A_user_directory_named_like_a_run_keeps_its_data()
    {
        foreach (string name in new[] { "ipckit-2024-results", $"ipckit-{DeadPid}-results", $"ipckit-{DeadPid + 1}-0123abcd" })
        {
            Directory.CreateDirectory(At($"{name}/sub"));
            File.WriteAllText(At($"{name}/sub/data.csv"), "x\n");
        }

        Assert.Empty(ScratchSpace.SweepStaleRuns(_root));

        Assert.Equal("x\n", File.ReadAllText(At("ipckit-2024-results/sub/data.csv")));
        Assert.Equal("x\n", File.ReadAllText(At($"ipckit-{DeadPid}-results/sub/data.csv")));
        Assert.Equal("x\n", File.ReadAllText(At($"ipckit-{DeadPid + 1}-0123abcd/sub/data.csv")));
    }

    [Fact]
    public void A_plain_file_named_like_a_run_is_left_alone()
    {
        File.WriteAllText(At("ipckit-27294-regularfile"), "keep");
        File.WriteAllText(At($"ipckit-{DeadPid}-regularfile"), "keep");
        File.WriteAllText(At($"ipckit-{DeadPid}-0123abcd"), "keep");

        Assert.Empty(ScratchSpace.SweepStaleRuns(_root));

        Assert.Equal("keep", File.ReadAllText(At("ipckit-27294-regularfile")));
        Assert.Equal("keep", File.ReadAllText(At($"ipckit-{DeadPid}-regularfile")));
        Assert.Equal("keep", File.ReadAllText(At($"ipckit-{DeadPid}-0123abcd")));
    }

    [Fact]
    public void A_link_named_like_a_run_is_not_followed_nor_removed()
    {
        Directory.CreateDirectory(At("user/sub"));
        File.WriteAllText(At("user/sub/data.csv"), "x\n");
        File.CreateSymbolicLink(At($"ipckit-{DeadPid}-0123abcd"), At("user"));
        File.CreateSymbolicLink(At($"ipckit-{DeadPid}-results"), At("user"));
        // Even a link to a real stale scratch directory, under the same name, is no proof: the link was not made by ipckit.
        Directory.CreateDirectory(At("elsewhere"));
        var real = ScratchSpace.Create(At("elsewhere"), DeadPid + 1);
        File.CreateSymbolicLink(At(Path.GetFileName(real.Path)), real.Path);

        Assert.Empty(ScratchSpace.SweepStaleRuns(_root));

        Assert.Equal("x\n", File.ReadAllText(At("user/sub/data.csv")));
        Assert.NotNull(File.ResolveLinkTarget(At($"ipckit-{DeadPid}-0123abcd"), returnFinalTarget: false));
        Assert.NotNull(File.ResolveLinkTarget(At($"ipckit-{DeadPid}-results"), returnFinalTarget: false));
        Assert.True(File.Exists(Path.Combine(real.Path, ScratchSpace.MarkerName)));
    }

    [Fact]
    public void A_directory_whose_marker_does_not_match_its_name_is_left_alone()
    {
        var run = ScratchSpace.Create(_root, DeadPid);
        string copy = At($"ipckit-{DeadPid}-ffffffff");
        Directory.CreateDirectory(copy);
        File.Copy(Path.Combine(run.Path, ScratchSpace.MarkerName), Path.Combine(copy, ScratchSpace.MarkerName));
        File.WriteAllText(Path.Combine(copy, "data.csv"), "x\n");

        var removed = ScratchSpace.SweepStaleRuns(_root);

        Assert.Equal([run.Path], removed);
        Assert.Equal("x\n", File.ReadAllText(Path.Combine(copy, "data.csv")));
    }

    [Fact]
    public void A_scratch_directory_of_a_dead_run_is_removed_without_following_links_inside_it()
    {
        Directory.CreateDirectory(At("user"));
        File.WriteAllText(At("user/data.csv"), "x\n");
        var run = ScratchSpace.Create(_root, DeadPid);
        Directory.CreateDirectory(Path.Combine(run.Path, "spool"));
        File.WriteAllText(Path.Combine(run.Path, "spool", "f1"), "spooled");
        File.CreateSymbolicLink(Path.Combine(run.Path, "link-to-user-dir"), At("user"));
        File.CreateSymbolicLink(Path.Combine(run.Path, "spool", "link-to-user-file"), At("user/data.csv"));

        var removed = ScratchSpace.SweepStaleRuns(_root);

        Assert.Equal([run.Path], removed);
        Assert.False(Path.Exists(run.Path));
        Assert.Equal("x\n", File.ReadAllText(At("user/data.csv")));
    }

    [Fact]
    public void A_live_runs_directory_is_kept()
    {
        using var mine = ScratchSpace.Create(_root, Environment.ProcessId);
        using var init = ScratchSpace.Create(_root, 1);

        Assert.Empty(ScratchSpace.SweepStaleRuns(_root));

        Assert.True(Directory.Exists(mine.Path));
        Assert.True(Directory.Exists(init.Path));
    }

    [Fact]
    public void A_run_whose_pid_now_belongs_to_a_later_process_is_swept()
    {
        // Pid 1 runs, but not since the time this marker records: the run that wrote it is gone.
        var run = ScratchSpace.Create(_root, 1);
        string marker = Path.Combine(run.Path, ScratchSpace.MarkerName);
        File.WriteAllText(marker, Regex.Replace(File.ReadAllText(marker), @"(?m)^start [0-9]+$", "start 1"));

        Assert.Equal([run.Path], ScratchSpace.SweepStaleRuns(_root));
    }

    [Fact]
    public void Of_the_sockets_a_dead_run_claimed_only_its_own_sockets_next_to_its_directory_are_removed()
    {
        var run = ScratchSpace.Create(_root, DeadPid);
        string socket = At($"CoreFxPipe_ipckit-{DeadPid}-1234abcd");
        string file = At($"CoreFxPipe_ipckit-{DeadPid}-5678abcd");
        string otherPid = At($"CoreFxPipe_ipckit-{DeadPid + 1}-1234abcd");
        Directory.CreateDirectory(At("elsewhere"));
        string elsewhere = At($"elsewhere/CoreFxPipe_ipckit-{DeadPid}-1234abcd");
        string link = At($"CoreFxPipe_ipckit-{DeadPid}-9abcabcd");
        using var sockets = new SocketFiles(socket, otherPid, elsewhere);

        File.WriteAllText(file, "keep");
        File.CreateSymbolicLink(link, otherPid);
        foreach (string path in new[] { socket, file, otherPid, elsewhere, link, At("missing") })
        {
            run.ClaimSocket(path);
        }

        var removed = ScratchSpace.SweepStaleRuns(_root);

        Assert.Equal([socket, run.Path], removed);
        Assert.False(Path.Exists(socket));
        Assert.All(new[] { file, otherPid, elsewhere, link }, path => Assert.True(Path.Exists(path) || File.ResolveLinkTarget(path, false) is not null, path));
    }

    [Fact]
    public void A_scratch_directory_is_private_and_carries_its_marker()
    {
        using var run = ScratchSpace.Create();

        Assert.StartsWith($"ipckit-{Environment.ProcessId}-", Path.GetFileName(run.Path), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(run.Path));
        Assert.True(File.Exists(Path.Combine(run.Path, ScratchSpace.MarkerName)));
    }

    /// <summary>Socket files, bound and kept open for the test (.NET removes a socket's file when it is disposed).</summary>
    private sealed class SocketFiles : IDisposable
    {
        private readonly List<Socket> _sockets = [];

        public SocketFiles(params string[] paths)
        {
            foreach (string path in paths)
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                _sockets.Add(socket);
                socket.Bind(new UnixDomainSocketEndPoint(path));
            }
        }

        public void Dispose() => _sockets.ForEach(s => s.Dispose());
    }
}
