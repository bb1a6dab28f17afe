using Spectre.Console;

namespace IpcKit.Coordinator.Commands;

/// <summary>
/// The consoles commands write to. Output that goes to a pipe or a file gets no colour codes and is not wrapped at 80
/// columns, so that logs and redirected tables stay readable.
/// </summary>
internal static class Terminal
{
    public static IAnsiConsole Out { get; } = Create(Console.Out, Console.IsOutputRedirected);

    public static IAnsiConsole Error { get; } = Create(Console.Error, Console.IsErrorRedirected);

    /// <summary>A console that renders into a string, for tables written to a file.</summary>
    public static IAnsiConsole Plain(TextWriter writer) => Create(writer, redirected: true);

    private static IAnsiConsole Create(TextWriter writer, bool redirected)
    {
        var console = AnsiConsole.Create(redirected
            ? new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors }
            : new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        if (redirected)
        {
            console.Profile.Width = 200;
        }

        return console;
    }
}
