using System.ComponentModel;
using CliWrap;
using CliWrap.Buffered;

namespace IpcKit.MessagePack.Tests;

/// <summary>
/// Runs tests/interop/msgpack-interop.mjs under Node.js, installing @msgpack/msgpack into tests/interop first if needed.
/// Node.js is part of this project's machine image: when it is missing the tests fail, they never pass silently.
/// </summary>
internal static class NodeInterop
{
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(1);
    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    public static string InteropDirectory { get; } = Path.Combine(FindRepositoryRoot(), "tests", "interop");

    /// <summary>Runs the script with one argument and the given standard input; returns its standard output.</summary>
    public static async Task<string> RunScriptAsync(string mode, string input)
    {
        await EnsureInstalledAsync();
        (int exitCode, string stdout, string stderr) = await RunAsync("node", [Path.Combine(InteropDirectory, "msgpack-interop.mjs"), mode], input, RunTimeout);
        Assert.True(exitCode == 0, $"node msgpack-interop.mjs {mode} exited with {exitCode}: {stderr}");
        return stdout;
    }

    private static async Task EnsureInstalledAsync()
    {
        await InstallLock.WaitAsync();
        try
        {
            if (File.Exists(Path.Combine(InteropDirectory, "node_modules", "@msgpack", "msgpack", "package.json")))
            {
                return;
            }

            (int exitCode, _, string stderr) = await RunAsync(
                "npm", ["install", "--no-audit", "--no-fund", "--prefix", InteropDirectory, "@msgpack/msgpack@3"], "", InstallTimeout);
            Assert.True(exitCode == 0, $"npm install @msgpack/msgpack@3 into {InteropDirectory} failed with {exitCode}: {stderr}");
        }
        finally
        {
            InstallLock.Release();
        }
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string program, string[] arguments, string input, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            // CliWrap writes stdin while it reads stdout and stderr, so a full pipe cannot deadlock the child, and kills
            // the process tree when the deadline passes.
            BufferedCommandResult result = await Cli.Wrap(program)
                .WithArguments(arguments)
                .WithWorkingDirectory(InteropDirectory)
                .WithStandardInputPipe(PipeSource.FromString(input))
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(deadline.Token);
            return (result.ExitCode, result.StandardOutput, result.StandardError);
        }
        catch (Exception ex) when (ex is Win32Exception || ex.InnerException is Win32Exception)
        {
            Assert.Fail($"'{program}' was not found on PATH ({ex.Message}). The MessagePack interop tests need Node.js 18+ and npm, " +
                        "which every machine of this project has; install them rather than skipping these tests.");
            throw;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            Assert.Fail($"{program} {string.Join(' ', arguments)} did not finish within {timeout}.");
            throw;
        }
    }

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "IpcKit.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No IpcKit.sln above {AppContext.BaseDirectory}.");
    }
}
