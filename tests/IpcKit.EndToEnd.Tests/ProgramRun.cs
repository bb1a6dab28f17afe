using System.Diagnostics;
using System.Text;

namespace IpcKit.EndToEnd.Tests;

/// <summary>The outcome of a program run to its end: its exit code and everything it printed.</summary>
internal sealed record ProgramRun(string Command, int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The dotnet host running these tests, so that child builds use the same SDK.</summary>
    public static string Dotnet { get; } = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>
    /// Runs <paramref name="fileName"/> to completion within <paramref name="timeout"/>, reading stdout and stderr
    /// concurrently, with stdin closed. On timeout the whole process tree is killed and the test fails with its output.
    /// </summary>
    public static async Task<ProgramRun> RunAsync(
        string fileName, IEnumerable<string> args, TimeSpan timeout, string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        // A child build must not pick up the MSBuild settings of the `dotnet test` that runs us.
        foreach (string key in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        foreach (var (k, v) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[k] = v;
        }

        string command = fileName + " " + string.Join(' ', info.ArgumentList);
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is { } l) { lock (stdout) { stdout.AppendLine(l); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } l) { lock (stderr) { stderr.AppendLine(l); } } };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            throw new TimeoutException($"`{command}` did not finish within {timeout.TotalSeconds} s.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        }

        process.WaitForExit(); // drains the output handlers
        lock (stdout)
        {
            lock (stderr)
            {
                return new ProgramRun(command, process.ExitCode, stdout.ToString(), stderr.ToString());
            }
        }
    }

    /// <summary>Fails the test with the whole output unless the program exited with 0.</summary>
    public ProgramRun AssertSucceeded()
    {
        Assert.True(ExitCode == 0, $"`{Command}` exited with {ExitCode}.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        return this;
    }
}
