namespace IpcKit.EndToEnd.Tests;

public sealed class ListTests
{
    [Fact]
    public async Task List_names_every_transport_with_a_description()
    {
        var (code, stdout, _) = await IpcKitProcess.RunAsync("list");
        Assert.Equal(0, code);
        foreach (string name in new[] { "pipe", "anon-pipe", "unix", "tcp", "grpc-uds", "grpc-tcp", "jsonrpc-uds", "netmq-tcp", "latency", "throughput", "request" })
        {
            Assert.Contains(name, stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Help_describes_the_bench_options()
    {
        var (code, stdout, _) = await IpcKitProcess.RunAsync("bench", "--help");
        Assert.Equal(0, code);
        foreach (string option in new[] { "--transport", "--workload", "--sizes", "--iterations", "--duration", "--warmup", "--quick", "--pin", "--format", "--output" })
        {
            Assert.Contains(option, stdout, StringComparison.Ordinal);
        }
    }
}
