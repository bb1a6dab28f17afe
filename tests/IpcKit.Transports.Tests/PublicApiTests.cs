using System.Text;

namespace IpcKit.Transports.Tests;

/// <summary>
/// The public API of IpcKit.Transports is written down in src/Transports/PublicAPI.txt, so that every change to it shows
/// up in review as a change to that file. Run with UPDATE_PUBLIC_API=1 to accept a change.
/// </summary>
public sealed class PublicApiTests
{
    internal static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string ApiFile => Path.Combine(RepositoryRoot, "src", "Transports", "PublicAPI.txt");

    [Fact]
    public void The_public_API_matches_PublicAPI_txt()
    {
        var actual = PublicApi.Describe(typeof(Endpoint).Assembly);
        string text = string.Join('\n', actual) + "\n";
        if (Environment.GetEnvironmentVariable("UPDATE_PUBLIC_API") == "1")
        {
            File.WriteAllText(ApiFile, Header + text);
            return;
        }

        Assert.True(File.Exists(ApiFile), $"{ApiFile} is missing. Run the tests with UPDATE_PUBLIC_API=1 to create it.");
        var expected = File.ReadAllLines(ApiFile).Where(l => !l.StartsWith('#')).Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
        var current = actual.Where(l => l.Length > 0).ToList();
        var removed = expected.Except(current, StringComparer.Ordinal).ToList();
        var added = current.Except(expected, StringComparer.Ordinal).ToList();
        if (removed.Count == 0 && added.Count == 0)
        {
            return;
        }

        var message = new StringBuilder()
            .AppendLine("The public API of IpcKit.Transports differs from src/Transports/PublicAPI.txt:");
        foreach (string line in removed)
        {
            message.Append("- ").AppendLine(line);
        }

        foreach (string line in added)
        {
            message.Append("+ ").AppendLine(line);
        }

        message.AppendLine("If the change is intended, run the tests with UPDATE_PUBLIC_API=1 to rewrite the file, and commit it:")
               .AppendLine("  UPDATE_PUBLIC_API=1 dotnet test tests/IpcKit.Transports.Tests --filter PublicApiTests");
        Assert.Fail(message.ToString());
    }

    [Fact]
    public void The_listing_is_stable_and_sorted_within_each_type()
    {
        var first = PublicApi.Describe(typeof(Endpoint).Assembly);
        Assert.Equal(first, PublicApi.Describe(typeof(Endpoint).Assembly));
        Assert.DoesNotContain(first, l => l.Contains("<Clone>$", StringComparison.Ordinal));
        Assert.Contains("M:IpcKit.Transports.Endpoint.Parse(System.String text) -> IpcKit.Transports.Endpoint static", first);
        Assert.Contains("M:IpcKit.Transports.IListener.AcceptAsync(System.Threading.CancellationToken cancellationToken = default) -> System.Threading.Tasks.ValueTask<IpcKit.Transports.IConnection?>", first);
        Assert.Contains("P:IpcKit.Transports.TransportOptions.MaxMessageSize -> System.Int32 { get; init; }", first);

        var types = first.Where(l => l.StartsWith("T:", StringComparison.Ordinal)).ToList();
        Assert.Equal(types.Order(StringComparer.Ordinal), types);
    }

    private const string Header =
        "# The public API of IpcKit.Transports, checked by tests/IpcKit.Transports.Tests/PublicApiTests.cs.\n" +
        "# T: type, C: constructor, M: method, P: property, F: field, E: event. Nullable references are marked '?'.\n" +
        "# Do not edit by hand: run the tests with UPDATE_PUBLIC_API=1 to rewrite it after an intended change.\n\n";

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "IpcKit.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"IpcKit.sln was not found above {AppContext.BaseDirectory}.");
    }
}
