namespace IpcKit.EndToEnd.Tests;

/// <summary>The samples, run as a reader of samples/README.md runs them: each a real pair of processes.</summary>
public sealed class SampleTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly string _name = "ipckit-sample-" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => Assert.Empty(Leftovers());

    [Theory]
    [InlineData("unix")]
    [InlineData("tcp")]
    [InlineData("pipe")]
    [InlineData("mmf")]
    public async Task RequestReply_answers_every_request_across_two_processes_and_the_server_shuts_down_cleanly(string transport)
    {
        string endpoint = transport switch
        {
            "unix" => $"unix:///tmp/{_name}.sock",
            "tcp" => "tcp://127.0.0.1:0",
            _ => $"{transport}://{_name}",
        };

        var run = (await ProgramRun.RunAsync(Sample("RequestReply"), [endpoint], Timeout)).AssertSucceeded();
        Assert.Contains("quote 1: 4 x widget = 10.00", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("quote 3: refused: no such product: unobtainium", run.Stdout, StringComparison.Ordinal);
        Assert.Contains($"3 requests answered over {transport}", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("server exited with code 0", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("server: stopped", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestReply_reports_a_missing_server_as_a_transport_error()
    {
        var run = await ProgramRun.RunAsync(Sample("RequestReply"), ["call", $"unix:///tmp/{_name}-nobody.sock"], Timeout);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("EndpointNotFoundException", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-an-endpoint")]
    [InlineData("nosuch://x")]
    [InlineData("unix://relative.sock")]
    public async Task RequestReply_rejects_a_bad_endpoint_with_exit_code_2(string endpoint)
    {
        var run = await ProgramRun.RunAsync(Sample("RequestReply"), [endpoint], Timeout);
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("error: ", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProducerConsumer_streams_every_reading_over_shared_memory_in_order()
    {
        var run = (await ProgramRun.RunAsync(Sample("ProducerConsumer"), [$"mmf://{_name}?capacity=64KiB", "100000"], Timeout)).AssertSucceeded();
        Assert.Contains("produced 100000 readings", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("consumed 100000 readings, sum 24975000.0, out of order 0, corrupt 0", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProducerConsumer_runs_with_no_arguments()
    {
        var run = (await ProgramRun.RunAsync(Sample("ProducerConsumer"), [], Timeout)).AssertSucceeded();
        Assert.Contains("listens on mmf://", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("consumed 200000 readings", run.Stdout, StringComparison.Ordinal);
    }

    /// <summary>The sample's apphost, copied next to the tests by the project reference.</summary>
    private static string Sample(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, name);
        Assert.True(File.Exists(path), $"{path} is missing: the test project references the samples so that it is built.");
        return path;
    }

    /// <summary>Socket and shared-memory files named after this test that are still there.</summary>
    private IEnumerable<string> Leftovers() =>
        Directory.EnumerateFileSystemEntries("/tmp").Concat(Directory.Exists("/dev/shm") ? Directory.EnumerateFileSystemEntries("/dev/shm") : [])
            .Where(p => Path.GetFileName(p).Contains(_name, StringComparison.Ordinal));
}
