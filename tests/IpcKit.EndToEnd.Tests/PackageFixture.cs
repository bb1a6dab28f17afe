using System.Xml.Linq;

namespace IpcKit.EndToEnd.Tests;

/// <summary>
/// Packs IpcKit.Transports and the IpcKit.Tool once, into a private folder under /tmp (outside the repository, so
/// nothing there inherits its Directory.Build.props), and removes the folder afterwards.
/// </summary>
public sealed class PackageFixture : IAsyncLifetime
{
    /// <summary>Pack, restore and build are slow on a busy 2-core machine: every step gets minutes, not seconds.</summary>
    public static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(5);

    public const string Version = "0.1.0";

#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    public string Root { get; } = Directory.CreateTempSubdirectory("pkgtest-ipckit-").FullName;

    public string Packages => Path.Combine(Root, "packages");

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public async Task InitializeAsync()
    {
        // Nothing above Root may leak into the projects made here: stop MSBuild's upward search for these files.
        await File.WriteAllTextAsync(Path.Combine(Root, "Directory.Build.props"), "<Project />\n");
        await File.WriteAllTextAsync(Path.Combine(Root, "Directory.Build.targets"), "<Project />\n");
        await File.WriteAllTextAsync(Path.Combine(Root, "Directory.Packages.props"), "<Project />\n");
        // The SDK pinned the same way as the repository's.
        File.Copy(Path.Combine(RepositoryRoot, "global.json"), Path.Combine(Root, "global.json"));
        await File.WriteAllTextAsync(Path.Combine(Root, "nuget.config"), NuGetConfig());

        // The test project was built in this configuration with everything it references, so pack needs no build.
        foreach (string project in new[] { "src/Transports/IpcKit.Transports.csproj", "src/Coordinator/IpcKit.Coordinator.csproj" })
        {
            (await ProgramRun.RunAsync(ProgramRun.Dotnet,
                ["pack", Path.Combine(RepositoryRoot, project), "-c", Configuration, "--no-build", "-o", Packages, "--nologo", "--disable-build-servers"],
                StepTimeout, RepositoryRoot)).AssertSucceeded();
        }
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>
    /// The repository's package sources plus the folder of freshly packed packages, which alone may serve IpcKit.*
    /// (source mapping), and a private global packages folder, so that an IpcKit 0.1.0 cached by an earlier run is
    /// never used instead of the one just packed.
    /// </summary>
    private string NuGetConfig()
    {
        var repo = XDocument.Load(Path.Combine(RepositoryRoot, "NuGet.config"));
        var sources = repo.Descendants("packageSources").Elements("add")
            .Select(e => (Key: (string)e.Attribute("key")!, Value: (string)e.Attribute("value")!))
            .ToList();
        string Add((string Key, string Value) s) => $"""    <add key="{s.Key}" value="{s.Value}" />""";
        string Map((string Key, string Value) s) => $"""    <packageSource key="{s.Key}"><package pattern="*" /></packageSource>""";
        return $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(Root, "nuget-cache")}" />
              </config>
              <packageSources>
                <clear />
                <add key="ipckit-local" value="{Packages}" />
            {string.Join('\n', sources.Select(Add))}
              </packageSources>
              <packageSourceMapping>
                <packageSource key="ipckit-local"><package pattern="IpcKit.*" /></packageSource>
            {string.Join('\n', sources.Select(Map))}
              </packageSourceMapping>
            </configuration>

            """;
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

/// <summary>The package tests share one fixture and never run alongside other slow builds.</summary>
[CollectionDefinition(Name)]
public sealed class PackageTestGroup : ICollectionFixture<PackageFixture>
{
    public const string Name = "Packages";
}
