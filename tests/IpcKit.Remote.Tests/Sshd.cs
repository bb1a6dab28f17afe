using System.Diagnostics;

namespace IpcKit.Remote.Tests;

/// <summary>
/// A real OpenSSH server (Debian's openssh-server, installed by .ci/run) inside a test namespace, with a host key, a
/// client key, a known_hosts and an ssh_config all generated into a private directory of the test's own; ~/.ssh is
/// never read or written. ipckit uses that config through IPCKIT_SSH_COMMAND. Disposing stops the server and
/// deletes the directory.
/// </summary>
internal sealed class Sshd : IAsyncDisposable
{
    public const string Program = "/usr/sbin/sshd";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;

    private Sshd(string directory, Process process, string address)
    {
        Directory = directory;
        _process = process;
        Address = address;
    }

    /// <summary>The private directory with the keys and configs.</summary>
    public string Directory { get; }

    public string Address { get; }

    /// <summary>The listening server's pid (its sessions are its children).</summary>
    public int Pid => _process.Id;

    /// <summary>The environment that makes ipckit's ssh use this test's config and keys.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["IPCKIT_SSH_COMMAND"] = $"ssh -F {Path.Combine(Directory, "ssh_config")}",
    };

    public static async Task<Sshd> StartAsync(NetworkNamespace ns)
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("ipkt-sshd-").FullName;
        try
        {
            string F(string name) => Path.Combine(dir, name);
            await NetworkNamespace.RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ipckit-test-host", "-f", F("host_key"));
            await NetworkNamespace.RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ipckit-test-client", "-f", F("client_key"));
            File.Copy(F("client_key.pub"), F("authorized_keys"));
            await File.WriteAllTextAsync(F("known_hosts"), $"{ns.InnerAddress} {await File.ReadAllTextAsync(F("host_key.pub"))}");
            await File.WriteAllLinesAsync(F("sshd_config"),
            [
                $"ListenAddress {ns.InnerAddress}", "Port 22", $"HostKey {F("host_key")}", $"PidFile {F("sshd.pid")}",
                $"AuthorizedKeysFile {F("authorized_keys")}", "StrictModes no", "UsePAM no", "PermitRootLogin prohibit-password",
                "PasswordAuthentication no", "KbdInteractiveAuthentication no",
            ]);
            await File.WriteAllLinesAsync(F("ssh_config"),
            [
                "Host *", $"  IdentityFile {F("client_key")}", "  IdentitiesOnly yes", $"  UserKnownHostsFile {F("known_hosts")}",
                "  GlobalKnownHostsFile /dev/null", "  StrictHostKeyChecking yes", "  User root",
            ]);

            // sshd insists on its privilege-separation directory; a machine where the service never ran lacks it.
            System.IO.Directory.CreateDirectory("/run/sshd");

            var info = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (string a in new[] { "netns", "exec", ns.Name, Program, "-D", "-e", "-f", F("sshd_config") })
            {
                info.ArgumentList.Add(a);
            }

            var process = Process.Start(info)!;
            var sshd = new Sshd(dir, process, ns.InnerAddress);
            try
            {
                await sshd.WaitUntilListeningAsync();
                return sshd;
            }
            catch
            {
                await sshd.DisposeAsync();
                throw;
            }
        }
        catch
        {
            if (System.IO.Directory.Exists(dir))
            {
                System.IO.Directory.Delete(dir, recursive: true);
            }

            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync().WaitAsync(Timeout);
        }
        finally
        {
            _process.Dispose();
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    /// <summary>sshd -D -e says "Server listening on ADDRESS port 22." on stderr once it accepts connections.</summary>
    private async Task WaitUntilListeningAsync()
    {
        using var deadline = new CancellationTokenSource(Timeout);
        var said = new System.Text.StringBuilder();
        while (await _process.StandardError.ReadLineAsync(deadline.Token) is { } line)
        {
            said.AppendLine(line);
            if (line.Contains("Server listening on", StringComparison.Ordinal))
            {
                // Keep draining its log so that it never blocks on a full pipe.
                _ = _process.StandardError.ReadToEndAsync(CancellationToken.None);
                return;
            }
        }

        throw new InvalidOperationException($"sshd exited before listening:\n{said}");
    }
}
