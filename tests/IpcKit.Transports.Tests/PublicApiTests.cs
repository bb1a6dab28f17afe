using System.Xml.Linq;

namespace IpcKit.Transports.Tests;

/// <summary>
/// The public API of IpcKit.Transports is tracked by Microsoft.CodeAnalysis.PublicApiAnalyzers in
/// src/Transports/PublicAPI.Shipped.txt and PublicAPI.Unshipped.txt: a build whose public API differs from them fails
/// (RS0016, RS0017). After an intended change, let the analyzer's code fix write the new lines into Unshipped:
/// <c>dotnet format analyzers src/Transports/IpcKit.Transports.csproj --diagnostics RS0016 RS0017 --severity warn</c>.
/// </summary>
public sealed class PublicApiTests
{
    internal static string RepositoryRoot { get; } = FindRepositoryRoot();

    [Fact]
    public void The_analyzer_reads_both_API_files_and_they_hold_the_API()
    {
        string dir = Path.Combine(RepositoryRoot, "src", "Transports");
        var project = XDocument.Load(Path.Combine(dir, "IpcKit.Transports.csproj"));
        var additional = project.Descendants("AdditionalFiles").Select(e => (string?)e.Attribute("Include")).ToList();
        Assert.Contains("PublicAPI.Shipped.txt", additional);
        Assert.Contains("PublicAPI.Unshipped.txt", additional);
        Assert.Contains(project.Descendants("PackageReference"), e => (string?)e.Attribute("Include") == "Microsoft.CodeAnalysis.PublicApiAnalyzers");

        string[] declared = [.. File.ReadLines(Path.Combine(dir, "PublicAPI.Shipped.txt")), .. File.ReadLines(Path.Combine(dir, "PublicAPI.Unshipped.txt"))];
        Assert.Contains("static IpcKit.Transports.Endpoint.Parse(string! text) -> IpcKit.Transports.Endpoint!", declared);
        Assert.Contains("IpcKit.Transports.IListener.ReplacedStaleEndpoint.get -> bool", declared);
    }

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
