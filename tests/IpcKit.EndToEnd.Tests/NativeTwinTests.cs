namespace IpcKit.EndToEnd.Tests;

/// <summary>
/// The native C twin (scripts/native) is what every ratio is taken against, so its own checks run here too: the smoke
/// script builds it into a directory of this test's own and runs every mechanism and option briefly, checking that no
/// message is lost or corrupted, that bad arguments exit with 2, and that no child process is left behind.
/// </summary>
public sealed class NativeTwinTests
{
    [Fact]
    public async Task Every_mechanism_and_option_of_the_native_twin_passes_its_smoke_checks()
    {
        string output = Directory.CreateTempSubdirectory("ipckit-test-native-").FullName;
        try
        {
            var run = (await ProgramRun.RunAsync(
                "bash", [Path.Combine(PackageFixture.RepositoryRoot, "scripts", "native", "smoke.sh"), output], TimeSpan.FromMinutes(5))).AssertSucceeded();

            Assert.Contains("smoke: all ", run.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("FAIL", run.Stdout, StringComparison.Ordinal);
            Assert.Contains("ok   pipe with idle threads", run.Stdout, StringComparison.Ordinal);
            Assert.Contains("ok   shm-slot latency 64:", run.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}
