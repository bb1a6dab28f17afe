using System.Text;
using CliWrap;

namespace IpcKit.EndToEnd.Tests;

/// <summary>The outcome of a program run to its end: its exit code and everything it printed.</summary>
internal sealed record ProgramRun(string Command, int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The dotnet host running these tests, so that child builds use the same SDK.</summary>
    public static string Dotnet { get; } = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>
    /// Runs <paramref name="fileName"/> to completion within <paramref name="timeout"/> with CliWrap, collecting stdout
    /// and stderr, with stdin closed. On timeout CliWrap kills the whole process tree and the test fails with its output.
    /// </summary>
    public static async Task<ProgramRun> RunAsync(
        string fileName, IEnumerable<string> args, TimeSpan timeout, string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        // A child build must not pick up the MSBuild settings of the `dotnet test` that runs us: null removes a variable.
        var variables = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(k => k, string? (_) => null);
        variables["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        variables["DOTNET_NOLOGO"] = "1";
        variables["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        variables["MSBUILDDISABLENODEREUSE"] = "1";
        foreach (var (k, v) in environment ?? new Dictionary<string, string?>())
        {
            variables[k] = v;
        }

        string[] arguments = [.. args];
        string command = fileName + " " + string.Join(' ', arguments);
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            CommandResult result = await Cli.Wrap(fileName)
                .WithArguments(arguments)
                .WithWorkingDirectory(workingDirectory ?? Environment.CurrentDirectory)
                .WithEnvironmentVariables(variables)
                .WithStandardOutputPipe(PipeTarget.ToStringBuilder(stdout))
                .WithStandardErrorPipe(PipeTarget.ToStringBuilder(stderr))
                .WithValidation(CommandResultValidation.None)
                .ExecuteAsync(deadline.Token);
            return new ProgramRun(command, result.ExitCode, stdout.ToString(), stderr.ToString());
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"`{command}` did not finish within {timeout.TotalSeconds} s.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        }
    }

    /// <summary>Fails the test with the whole output unless the program exited with 0.</summary>
    public ProgramRun AssertSucceeded()
    {
        Assert.True(ExitCode == 0, $"`{Command}` exited with {ExitCode}.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        return this;
    }
}
