using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CliWrap;
using IpcKit.Coordinator.Results;

namespace IpcKit.Coordinator.Running;

/// <summary>
/// The native C reference program <c>ipckit-native</c> (scripts/native). Its sources ship next to the coordinator's
/// binaries (in <c>native/</c>, copied there by the build), so the coordinator finds them however it was started —
/// ./ipckit from the repository, a test's output folder, an installed tool — and builds the program there with
/// <c>native/build.sh</c> and the system C compiler the first time it is needed (again only when a source changed).
/// <c>IPCKIT_NATIVE</c> names a ready-built binary instead.
/// </summary>
internal sealed class NativeTool
{
    /// <summary>Environment variable naming a ready-built ipckit-native, which is then used as it is.</summary>
    public const string PathVariable = "IPCKIT_NATIVE";

    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(3);

    private NativeTool(string path) => Path = path;

    public string Path { get; }

    /// <summary>Finds ipckit-native, building it when needed. Returns the tool, or why there is none (no C compiler, say).</summary>
    public static async Task<(NativeTool? Tool, string? Problem)> LocateAsync(CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } given)
        {
            return File.Exists(given) ? (new NativeTool(given), null) : (null, $"{PathVariable} names {given}, which does not exist");
        }

        string directory = System.IO.Path.Combine(AppContext.BaseDirectory, "native");
        string script = System.IO.Path.Combine(directory, "build.sh");
        if (!File.Exists(script))
        {
            return (null, $"the C sources of ipckit-native are not next to this program (no {script})");
        }

        var (code, stdout, stderr) = await RunAsync("bash", [script, directory], BuildTimeout, cancellationToken);
        return code switch
        {
            0 when File.Exists(stdout.Trim()) => (new NativeTool(stdout.Trim()), null),
            3 => (null, "no C compiler was found (tried $CC, cc, gcc, clang); install one, e.g. apt-get install gcc"),
            null => (null, $"building ipckit-native took longer than {BuildTimeout.TotalMinutes} minutes"),
            _ => (null, $"building ipckit-native failed (build.sh exited {code}): {LastLines(stderr)}"),
        };
    }

    /// <summary>Runs one case and reads its JSON line. A failure is returned as figures with <see cref="NativeFigures.Error"/>.</summary>
    public async Task<NativeFigures> MeasureAsync(NativeCase c, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // futex-block is the futex ring with no spinning before it sleeps: the twin of `--wait block`.
        bool blockOnly = c.Mechanism == "futex-block";
        var args = new List<string>
        {
            blockOnly ? "futex" : c.Mechanism, "--workload", c.Workload, "--size", c.Size.ToString(CultureInfo.InvariantCulture),
            "--iterations", c.Iterations.ToString(CultureInfo.InvariantCulture), "--pin", c.Pin.ToString().ToLowerInvariant(),
            "--timeout", Math.Ceiling(timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
        };
        if (blockOnly)
        {
            args.AddRange(["--spin", "0"]);
        }

        if (c.Capacity is { } capacity && c.Mechanism is "shm-spin" or "futex" or "futex-block")
        {
            args.AddRange(["--capacity", capacity.ToString(CultureInfo.InvariantCulture)]);
        }

        if (c.PipeSize is { } pipeSize && c.Mechanism == "pipe")
        {
            args.AddRange(["--pipe-size", pipeSize.ToString(CultureInfo.InvariantCulture)]);
        }

        if (c.ZeroCopy && c.Mechanism is "shm-spin" or "futex" or "futex-block")
        {
            args.Add("--zero-copy");
        }

        if (c.Pool is { } pool)
        {
            args.AddRange(["--pool", pool.ToString(CultureInfo.InvariantCulture)]);
        }

        if (c.Pin != PinMode.None)
        {
            args.AddRange(["--cpus", string.Create(CultureInfo.InvariantCulture, $"{c.CoordinatorCpu},{Math.Max(c.WorkerCpu, c.CoordinatorCpu)}")]);
        }

        // Its own watchdog (--timeout) ends it first; this one catches a program that does not even get that far.
        var (code, stdout, stderr) = await RunAsync(Path, args, timeout + TimeSpan.FromSeconds(10), cancellationToken);
        if (code != 0)
        {
            string why = code is null ? $"did not finish within {timeout.TotalSeconds:0} s" : $"exited {code}";
            return new NativeFigures { Mechanism = c.Mechanism, Error = $"ipckit-native {c.Mechanism} {why}: {LastLines(stderr)}" };
        }

        try
        {
            return Parse(stdout);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return new NativeFigures { Mechanism = c.Mechanism, Error = $"ipckit-native printed no result it could read ({e.Message}): {LastLines(stdout)}" };
        }
    }

    /// <summary>Reads the one JSON line ipckit-native prints (scripts/native/README.md).</summary>
    internal static NativeFigures Parse(string stdout)
    {
        string line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last(l => l.StartsWith('{'));
        using var json = JsonDocument.Parse(line);
        var r = json.RootElement;
        long lost = r.GetProperty("lost").GetInt64(), corrupted = r.GetProperty("corrupted").GetInt64();
        return new NativeFigures
        {
            Mechanism = r.GetProperty("mechanism").GetString()!,
            Operations = r.GetProperty("operations").GetInt64(),
            P50Ns = r.GetProperty("p50Ns").GetInt64(),
            P99Ns = r.GetProperty("p99Ns").GetInt64(),
            MessagesPerSecond = r.GetProperty("messagesPerSecond").GetDouble(),
            BytesPerSecond = r.GetProperty("bytesPerSecond").GetDouble(),
            Error = lost != 0 || corrupted != 0 ? $"the native run lost {lost} and corrupted {corrupted} messages" : null,
        };
    }

    /// <summary>
    /// Runs a program to its end with CliWrap (stdin empty, stdout and stderr read concurrently); null exit code on
    /// timeout, when CliWrap has killed it and its children.
    /// </summary>
    private static async Task<(int? Code, string Stdout, string Stderr)> RunAsync(string program, IEnumerable<string> args, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        Command command = Cli.Wrap(program)
            .WithArguments(args)
            .WithStandardOutputPipe(PipeTarget.ToStringBuilder(stdout))
            .WithStandardErrorPipe(PipeTarget.ToStringBuilder(stderr))
            .WithValidation(CommandResultValidation.None);
        CommandTask<CommandResult> run;
        try
        {
            // CliWrap has started the process when ExecuteAsync returns: under the spawn lock, so that it inherits no
            // anonymous-pipe ends meant for a worker.
            lock (ChildCommand.SpawnLock)
            {
                run = command.ExecuteAsync(deadline.Token);
            }
        }
        catch (Exception e) when (e is Win32Exception || e.InnerException is Win32Exception)
        {
            return (127, "", $"cannot start {program}: {e.Message}");
        }

        try
        {
            return ((await run).ExitCode, stdout.ToString(), stderr.ToString());
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return (null, stdout.ToString(), stderr.ToString());
        }
    }

    private static string LastLines(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no output)" : string.Join(" | ", lines.TakeLast(3));
    }
}

/// <summary>One native measurement: mechanism × workload × size, with the operation count and placement of its IpcKit twin.</summary>
internal sealed record NativeCase(string Mechanism, string Workload, int Size, long Iterations, PinMode Pin, int CoordinatorCpu, int WorkerCpu)
{
    /// <summary>The ring size for the ring mechanisms (shm-spin, futex), as given with --capacity; null for the default.</summary>
    public long? Capacity { get; init; }

    /// <summary>For pipe: the pipe buffer size IpcKit's anon-pipe asks for (F_SETPIPE_SZ); null for the kernel's default.</summary>
    public int? PipeSize { get; init; }

    /// <summary>For the ring mechanisms' throughput: write each message in place and read it in place (ipckit-native --zero-copy).</summary>
    public bool ZeroCopy { get; init; }

    /// <summary>For memcpy: the bytes its source and destination slots span together (small: cache-warm); null for its default (512 MiB).</summary>
    public long? Pool { get; init; }
}
