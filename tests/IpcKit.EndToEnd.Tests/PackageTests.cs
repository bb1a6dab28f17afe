using System.IO.Compression;
using System.Xml.Linq;

namespace IpcKit.EndToEnd.Tests;

/// <summary>
/// IpcKit as its users get it: the NuGet package referenced by a fresh project outside this repository, and the
/// `ipckit` .NET tool installed from its package. Slow (pack, restore, build), so each step has minutes.
/// </summary>
[Collection(PackageTestGroup.Name)]
public sealed class PackageTests(PackageFixture fixture)
{
    private static readonly TimeSpan Timeout = PackageFixture.StepTimeout;

    [Fact]
    public void The_library_package_carries_its_readme_license_and_xml_docs()
    {
        using var package = ZipFile.OpenRead(Path.Combine(fixture.Packages, $"IpcKit.Transports.{PackageFixture.Version}.nupkg"));
        var entries = package.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("README.md", entries);
        Assert.Contains("LICENSE", entries);
        Assert.Contains("lib/net10.0/IpcKit.Transports.dll", entries);
        Assert.Contains("lib/net10.0/IpcKit.Transports.xml", entries);

        using var nuspecStream = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var metadata = XDocument.Load(nuspecStream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Value(string name) => (string?)metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name) ?? "";
        Assert.Equal("MIT", Value("license"));
        Assert.Equal("README.md", Value("readme"));
        Assert.Equal("IpcKit contributors", Value("authors"));
        Assert.NotEmpty(Value("description"));
    }

    [Fact]
    public void The_tool_package_carries_the_worker_but_not_its_platform_specific_apphost()
    {
        using var package = ZipFile.OpenRead(Path.Combine(fixture.Packages, $"IpcKit.Tool.{PackageFixture.Version}.nupkg"));
        var files = package.Entries.Where(e => e.FullName.StartsWith("tools/net10.0/any/", StringComparison.Ordinal))
            .Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        foreach (string file in new[] { "IpcKit.Coordinator.dll", "IpcKit.Worker.dll", "IpcKit.Worker.runtimeconfig.json", "IpcKit.Worker.deps.json", "DotnetToolSettings.xml", "build.sh" })
        {
            Assert.Contains(file, files);
        }

        Assert.DoesNotContain("IpcKit.Worker", files);
        Assert.Contains(package.Entries, e => e.FullName == "README.md");
        Assert.Contains(package.Entries, e => e.FullName == "LICENSE");
    }

    [Fact]
    public async Task A_fresh_project_outside_the_repository_builds_against_the_package_and_round_trips_over_unix_and_tcp()
    {
        // The RequestReply sample, as a user would copy it, referencing the package instead of the project.
        string app = Directory.CreateDirectory(Path.Combine(fixture.Root, "RequestReplyApp")).FullName;
        // The sample and the helper it shares with the other sample (samples/Shared, linked into its project).
        foreach (string source in new[] { "RequestReply", "Shared" }
                     .SelectMany(dir => Directory.EnumerateFiles(Path.Combine(PackageFixture.RepositoryRoot, "samples", dir), "*.cs")))
        {
            File.Copy(source, Path.Combine(app, Path.GetFileName(source)));
        }

        // The sample starts its server with CliWrap, at the version the repository pins.
        string cliWrap = System.Xml.Linq.XDocument.Load(Path.Combine(PackageFixture.RepositoryRoot, "Directory.Packages.props"))
            .Descendants("PackageVersion").Single(e => (string?)e.Attribute("Include") == "CliWrap").Attribute("Version")!.Value;

        await File.WriteAllTextAsync(Path.Combine(app, "RequestReplyApp.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <!-- A consumer that turns warnings into errors builds cleanly against the package. -->
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="IpcKit.Transports" Version="{PackageFixture.Version}" />
                <PackageReference Include="CliWrap" Version="{cliWrap}" />
              </ItemGroup>
              <ItemGroup>
                <!-- The package is for Linux ([SupportedOSPlatform("linux")]); say so, as its README asks. -->
                <AssemblyAttribute Include="System.Runtime.Versioning.SupportedOSPlatformAttribute">
                  <_Parameter1>linux</_Parameter1>
                </AssemblyAttribute>
              </ItemGroup>
            </Project>
            """);

        (await ProgramRun.RunAsync(ProgramRun.Dotnet,
            ["build", app, "-c", "Release", "--nologo", "--disable-build-servers", "-p:UseSharedCompilation=false"],
            Timeout, fixture.Root)).AssertSucceeded();
        string program = Path.Combine(app, "bin", "Release", "net10.0", "RequestReplyApp");
        Assert.True(File.Exists(program), $"{program} was not built.");

        string socket = Path.Combine(fixture.Root, "rr.sock");
        foreach (var (endpoint, scheme) in new[] { ("unix://" + socket, "unix"), ("tcp://127.0.0.1:0", "tcp") })
        {
            var run = (await ProgramRun.RunAsync(program, [endpoint], Timeout, app)).AssertSucceeded();
            Assert.Contains($"3 requests answered over {scheme}", run.Stdout, StringComparison.Ordinal);
            Assert.Contains("server exited with code 0", run.Stdout, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(socket), "the server left its socket file behind");
    }

    [Fact]
    public async Task The_tool_installs_from_its_package_and_ipckit_list_and_bench_run_from_there()
    {
        string tools = Path.Combine(fixture.Root, "tools");
        // --add-source cannot be combined with the source mapping of the fixture's nuget.config: give the install a
        // configuration of its own, with no source but the one added and a private package cache.
        string config = Path.Combine(fixture.Root, "tool-install.nuget.config");
        await File.WriteAllTextAsync(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config><add key="globalPackagesFolder" value="{Path.Combine(fixture.Root, "tool-cache")}" /></config>
              <packageSources><clear /></packageSources>
            </configuration>
            """);
        (await ProgramRun.RunAsync(ProgramRun.Dotnet,
            ["tool", "install", "IpcKit.Tool", "--add-source", fixture.Packages, "--configfile", config, "--tool-path", tools, "--version", PackageFixture.Version],
            Timeout, fixture.Root)).AssertSucceeded();
        string ipckit = Path.Combine(tools, "ipckit");

        var list = (await ProgramRun.RunAsync(ipckit, ["list"], Timeout, fixture.Root)).AssertSucceeded();
        foreach (string name in new[] { "pipe", "unix", "tcp", "latency", "throughput" })
        {
            Assert.Contains(name, list.Stdout, StringComparison.Ordinal);
        }

        // The installed tool has no worker apphost: it must find IpcKit.Worker.dll beside itself and run it with dotnet,
        // and the gRPC peer's worker (on ASP.NET Core) in peers/.
        var bench = (await ProgramRun.RunAsync(ipckit, ["bench", "--reference", "none", "--transport", "unix,grpc-uds", "--workload", "all", "--quick", "--format", "json"], Timeout, fixture.Root)).AssertSucceeded();
        using var json = System.Text.Json.JsonDocument.Parse(bench.Stdout);
        var results = json.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.NotEmpty(results);
        Assert.Single(results, r => r.GetProperty("transport").GetString() == "grpc-uds" && r.GetProperty("workload").GetString() == "request");
        Assert.All(results, r => Assert.Equal(0, r.GetProperty("integrity").GetProperty("lost").GetInt64()));

        // The installed tool is also the other end of --remote (`ipckit worker`); `exec:env` runs it on this machine.
        var remote = (await ProgramRun.RunAsync(ipckit,
            ["bench", "--reference", "none", "--transport", "tcp", "--remote", "exec:env", "--remote-ipckit", ipckit, "-w", "latency", "--sizes", "64", "--quick", "--format", "json"],
            Timeout, fixture.Root)).AssertSucceeded();
        using var remoteJson = System.Text.Json.JsonDocument.Parse(remote.Stdout);
        Assert.Equal(PackageFixture.Version, remoteJson.RootElement.GetProperty("remote").GetProperty("environment").GetProperty("ipcKitVersion").GetString());
        Assert.Equal(0, remoteJson.RootElement.GetProperty("results")[0].GetProperty("integrity").GetProperty("lost").GetInt64());
    }
}
