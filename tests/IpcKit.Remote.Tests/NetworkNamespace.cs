namespace IpcKit.Remote.Tests;

/// <summary>
/// A network namespace of the test's own, joined to this one by a veth pair with private addresses of its own
/// (10.232.X.Y/29, used nowhere else): a "remote host" on this machine. Names carry this process's id and a counter,
/// so parallel runs never touch each other's; disposing deletes the namespace (the veth pair goes with it) after
/// killing whatever still runs inside it, which can only be this test's.
/// </summary>
internal sealed class NetworkNamespace : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);
    private static int s_counter;

    private NetworkNamespace(string id, int subnet)
    {
        Name = $"ipkt-{id}";
        HostInterface = $"ipkt{id}h";
        InnerInterface = $"ipkt{id}n";
        string prefix = $"10.232.{Environment.ProcessId % 250}.";
        HostAddress = prefix + (subnet + 1);
        InnerAddress = prefix + (subnet + 2);
        UnusedAddress = prefix + (subnet + 5);
    }

    public string Name { get; }

    /// <summary>The veth end in this (the host's) namespace.</summary>
    public string HostInterface { get; }

    /// <summary>The veth end inside the namespace.</summary>
    public string InnerInterface { get; }

    public string HostAddress { get; }

    public string InnerAddress { get; }

    /// <summary>An address in the link's subnet that nobody has: connecting to it fails.</summary>
    public string UnusedAddress { get; }

    /// <summary>Creates the namespace and its link: a veth pair, or what <paramref name="makeLink"/> makes (it must leave
    /// <see cref="HostInterface"/> here and <see cref="InnerInterface"/> in the namespace).</summary>
    public static async Task<NetworkNamespace> CreateAsync(Func<NetworkNamespace, Task>? makeLink = null)
    {
        int n = Interlocked.Increment(ref s_counter);
        Assert.True(n < 32, "too many namespaces for one test process");
        var ns = new NetworkNamespace($"{Environment.ProcessId:x}{n}", n * 8);
        try
        {
            await IpAsync("netns", "add", ns.Name);
            await (makeLink ?? (x => IpAsync("link", "add", x.HostInterface, "type", "veth", "peer", "name", x.InnerInterface, "netns", x.Name)))(ns);
            await IpAsync("addr", "add", ns.HostAddress + "/29", "dev", ns.HostInterface);
            await IpAsync("link", "set", ns.HostInterface, "up");
            await IpAsync("-n", ns.Name, "addr", "add", ns.InnerAddress + "/29", "dev", ns.InnerInterface);
            await IpAsync("-n", ns.Name, "link", "set", ns.InnerInterface, "up");
            await IpAsync("-n", ns.Name, "link", "set", "lo", "up");
            return ns;
        }
        catch
        {
            await ns.DisposeAsync();
            throw;
        }
    }

    /// <summary>The --remote value that reaches the namespace without SSH.</summary>
    public string ExecTarget => $"exec:ip netns exec {Name}";

    /// <summary>Takes the link down, as a pulled cable would.</summary>
    public Task CutAsync() => IpAsync("link", "set", HostInterface, "down");

    /// <summary>The processes running inside the namespace.</summary>
    public async Task<IReadOnlyList<int>> PidsAsync()
    {
        var run = (await ProgramRun.RunAsync("ip", ["netns", "pids", Name], CommandTimeout)).AssertSucceeded();
        return [.. run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)];
    }

    /// <summary>Bytes this machine received over the link so far.</summary>
    public long HostReceivedBytes() => Counter("rx_bytes");

    /// <summary>Bytes this machine sent over the link so far.</summary>
    public long HostSentBytes() => Counter("tx_bytes");

    private long Counter(string name) =>
        long.Parse(File.ReadAllText($"/sys/class/net/{HostInterface}/statistics/{name}").Trim(), System.Globalization.CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        if (!File.Exists($"/run/netns/{Name}"))
        {
            return;
        }

        foreach (int pid in await PidsAsync())
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                process.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
            }
        }

        await IpAsync("netns", "del", Name);
    }

    internal static Task IpAsync(params string[] args) => RunAsync("ip", args);

    internal static async Task RunAsync(string program, params string[] args) =>
        (await ProgramRun.RunAsync(program, args, CommandTimeout)).AssertSucceeded();
}

/// <summary>
/// A test that needs to create network namespaces: skipped, saying why, where that is impossible (not root, no `ip`).
/// </summary>
internal sealed class NamespaceFactAttribute : FactAttribute
{
    public NamespaceFactAttribute()
    {
        if (Namespaces.WhyNot is { } why)
        {
            Skip = why;
        }
    }
}

/// <summary>As <see cref="NamespaceFactAttribute"/>, for theories.</summary>
internal sealed class NamespaceTheoryAttribute : TheoryAttribute
{
    public NamespaceTheoryAttribute()
    {
        if (Namespaces.WhyNot is { } why)
        {
            Skip = why;
        }
    }
}

internal static class Namespaces
{
    /// <summary>Why namespace tests cannot run here, or null when they can.</summary>
    public static string? WhyNot { get; } =
        !OperatingSystem.IsLinux() ? "network namespaces are Linux only"
        : Environment.UserName != "root" && !IsRoot() ? "creating network namespaces needs root (CI runs as root): run `sudo dotnet test` to include these tests"
        : !File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip") ? "`ip` (iproute2) is not installed; .ci/run installs it"
        : null;

    private static bool IsRoot() => File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))?.Split('\t', StringSplitOptions.RemoveEmptyEntries) is [_, "0", ..];
}
