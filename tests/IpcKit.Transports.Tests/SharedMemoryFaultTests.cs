using System.Diagnostics;
using IpcKit.Transports.SharedMemory;
using IpcKit.Transports.SharedMemory.Internal;

namespace IpcKit.Transports.Tests;

/// <summary>
/// The mmf transport against the faults of issue 12: files of another user, files of killed processes, empty files,
/// and a directory other than /dev/shm. Every test uses names of its own and removes what it made.
/// </summary>
public sealed class SharedMemoryFaultTests : IDisposable
{
    private readonly string _name = "c" + Guid.NewGuid().ToString("N")[..12];
    private readonly Scratch _scratch = new();

    // The tests' stale files live in a tmpfs directory of their own, not in /dev/shm itself: every ipckit run sweeps
    // /dev/shm for stale listener files of this user (issue 12), and one running at the same time (another test
    // assembly, run in parallel by `dotnet test`) would rightly remove a dead listener's file these tests inspect.
    // 0755, so that the other user of the permission tests can reach the files in it.
    private readonly string _shm = CreateShmDirectory();

    private string ListenerPath => SegmentLayout.ListenerFile(_shm, _name);

    /// <summary>The endpoint of this test's listener, in its own directory.</summary>
    private string Mmf() => $"mmf://{_name}?dir={_shm}";

    private static string CreateShmDirectory()
    {
        string path = Path.Combine("/dev/shm", "ipckit-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return path;
    }

    public void Dispose()
    {
        Directory.Delete(_shm, recursive: true);

        _scratch.Dispose();
    }

    [Fact]
    public async Task Listening_where_another_users_live_listener_is_fails_at_once_and_says_whose_it_is()
    {
        await using var listener = await new MmfTransport().ListenAsync(Endpoint.Parse(Mmf())).Within();

        var run = await OtherUser.RunTestPeerAsync("listen", Mmf());

        Assert.DoesNotContain("listening", run.Output, StringComparison.Ordinal);
        Assert.Contains("EndpointInUseException", run.Output, StringComparison.Ordinal);
        Assert.Contains("belongs to user root", run.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(ListenerPath), "the live listener's file must stay");
    }

    [Fact]
    public async Task Listening_where_another_users_dead_listener_left_its_file_fails_at_once_and_leaves_the_file()
    {
        await KillListenerAsync(Mmf());

        var run = await OtherUser.RunTestPeerAsync("listen", Mmf());

        Assert.Contains("EndpointInUseException", run.Output, StringComparison.Ordinal);
        Assert.Contains("never takes over or removes another user's file", run.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(ListenerPath), "another user's file is not IpcKit's to remove");
    }

    [Fact]
    public async Task Connecting_to_another_users_listener_says_permission_denied_at_once()
    {
        await using var listener = await new MmfTransport().ListenAsync(Endpoint.Parse(Mmf())).Within();

        var run = await OtherUser.RunTestPeerAsync("echo", Mmf());

        Assert.Contains("EndpointNotFoundException", run.Output, StringComparison.Ordinal);
        Assert.Contains("permission denied", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("no listener file", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connecting_to_a_listener_file_whose_owner_is_dead_fails_without_waiting_out_the_timeout()
    {
        await KillListenerAsync(Mmf());
        var patient = new MmfTransport(new() { ConnectTimeout = TimeSpan.FromMinutes(5) });

        // Today's deadline (20 s) is far below the connect timeout: only a connect that sees the dead owner gets here.
        var error = await Assert.ThrowsAsync<EndpointNotFoundException>(() => patient.ConnectAsync(Endpoint.Parse(Mmf())).Within());

        Assert.Contains("which is dead", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_listener_file_has_a_message_of_its_own()
    {
        await File.WriteAllBytesAsync(ListenerPath, []);
        var quick = new MmfTransport(new() { ConnectTimeout = TimeSpan.FromMilliseconds(200) });

        var error = await Assert.ThrowsAsync<EndpointNotFoundException>(() => quick.ConnectAsync(Endpoint.Parse(Mmf())).Within());

        Assert.Contains("empty (0 bytes)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sweep_removes_what_dead_processes_of_this_user_left_and_nothing_else()
    {
        string dir = _scratch.Path;
        string stale = SegmentLayout.ListenerFile(dir, _name);
        await KillListenerAsync($"mmf://{_name}?dir={dir}");
        await using var live = await new MmfTransport().ListenAsync(Endpoint.Parse($"mmf://{_name}-live?dir={dir}")).Within();
        // What IpcKit cannot prove it made: another user's copy of a stale file, a link to one, and a file of ours
        // whose first bytes are not an IpcKit header.
        string othersStale = stale + "-nobody";
        File.Copy(stale, othersStale);
        File.SetUnixFileMode(othersStale, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal(0, (await OtherUser.RunAsync("chown", "nobody", othersStale)).ExitCode);
        string link = stale + "-link";
        File.CreateSymbolicLink(link, stale);
        string notOurs = SegmentLayout.ListenerFile(dir, _name + "-data");
        await File.WriteAllTextAsync(notOurs, "user data that happens to have our prefix, and is long enough for a header ...........");

        var removed = new MmfTransport(new() { Directory = dir }).RemoveStaleFiles();

        Assert.Equal([stale], removed);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(othersStale) && File.Exists(notOurs) && File.Exists(SegmentLayout.ListenerFile(dir, _name + "-live")));
        Assert.NotNull(Transports.Internal.Libc.Stat(link));
    }

    [Fact]
    public async Task The_endpoint_can_put_the_files_in_another_directory()
    {
        string dir = _scratch.Path;
        var endpoint = Endpoint.Parse($"mmf://{_name}?dir={dir}");
        await using var listener = await new MmfTransport().ListenAsync(endpoint).Within();
        Assert.True(File.Exists(SegmentLayout.ListenerFile(dir, _name)));
        Assert.False(File.Exists(SegmentLayout.ListenerFile("/dev/shm", _name)));

        var accept = listener.AcceptAsync().AsTask();
        await using var client = await new MmfTransport().ConnectAsync(endpoint).Within();
        await using var server = (await accept.Within())!;
        await client.SendAsync(new byte[] { 9 }).Within();
        Assert.Equal(9, (await server.ReceiveAsync().Within())!.Value.Span[0]);

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await new MmfTransport().ListenAsync(Endpoint.Parse($"mmf://{_name}?dir=relative/dir")));
        Assert.Contains("absolute path", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_tmpfs_fails_a_connect_with_a_clear_error_and_the_listener_serves_once_there_is_room()
    {
        // A 512 KiB tmpfs of our own (the tests run as root): room for the listener file and one connection of 2 × 64 KiB.
        string mount = Path.Combine(_scratch.Path, "tmpfs");
        Directory.CreateDirectory(mount);
        var mounted = await OtherUser.RunAsync("mount", "-t", "tmpfs", "-o", "size=512k,mode=0700", "tmpfs", mount);
        Assert.True(mounted.ExitCode == 0, $"mounting a tmpfs failed (the test needs root): {mounted.Output}");
        try
        {
            var endpoint = Endpoint.Parse($"mmf://{_name}?capacity=64KiB&dir={mount}");
            await using var listener = await new MmfTransport().ListenAsync(endpoint).Within();
            string filler = Path.Combine(mount, "filler");
            await using (var fill = File.Create(filler))
            {
                // Fill it up: writing stops with ENOSPC.
                var block = new byte[16 << 10];
                try
                {
                    while (true)
                    {
                        fill.Write(block);
                        fill.Flush();
                    }
                }
                catch (IOException)
                {
                }
            }

            var error = await Assert.ThrowsAsync<IpcException>(() => new MmfTransport().ConnectAsync(endpoint).Within());
            Assert.Contains("no space left", error.Message, StringComparison.Ordinal);
            Assert.Equal(new[] { SegmentLayout.ListenerFile(mount, _name), filler }.Order(), Directory.GetFiles(mount).Order()); // nothing left half-made

            File.Delete(filler);
            var accept = listener.AcceptAsync().AsTask();
            await using var client = await new MmfTransport().ConnectAsync(endpoint).Within();
            await using var server = (await accept.Within())!;
            await client.SendAsync(new byte[40_000]).Within();
            Assert.Equal(40_000, (await server.ReceiveAsync().Within())!.Value.Length);
        }
        finally
        {
            await OtherUser.RunAsync("umount", "-l", mount);
        }
    }

    /// <summary>A listener in a process killed with SIGKILL: its file stays, its owner is dead.</summary>
    private static async Task KillListenerAsync(string endpoint)
    {
        await using var crashed = PeerProcess.Start("listen", endpoint);
        await crashed.WaitForLineAsync("listening");
        await crashed.KillAsync();
    }
}

/// <summary>Runs a program as the user <c>nobody</c> (the tests run as root), to completion, within a deadline.</summary>
internal static class OtherUser
{
    public static Task<(int ExitCode, string Output)> RunTestPeerAsync(string mode, string endpoint) =>
        RunAsync("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "env", "HOME=/tmp",
            Path.Combine(AppContext.BaseDirectory, "IpcKit.TestPeer"), mode, endpoint);

    /// <summary>Runs a program to its end; fails when it is still running after <see cref="Deadline.Default"/> (it is killed).</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true, // the test peer leaves when its stdin closes: keep it open until it is done
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(Deadline.Default);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} was still running after {Deadline.Default.TotalSeconds} s: {await stdout} {await stderr}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
