namespace IpcKit.Transports.Tests;

public sealed class EndpointTests
{
    [Theory]
    [InlineData("pipe://ipckit-demo")]
    [InlineData("unix:///tmp/x.sock")]
    [InlineData("tcp://127.0.0.1:0")]
    [InlineData("tcp://[::1]:5000")]
    [InlineData("shm://ring?capacity=4MiB")]
    [InlineData("anon-pipe://?read=5&write=6")]
    [InlineData("file:///tmp/spool?fsync=true&name=a%20b")]
    public void ToString_round_trips(string text)
    {
        var endpoint = Endpoint.Parse(text);
        Assert.Equal(text, endpoint.ToString());
        Assert.Equal(endpoint, Endpoint.Parse(endpoint.ToString()));
    }

    [Fact]
    public void Parts_are_exposed_decoded()
    {
        var endpoint = Endpoint.Parse("FILE:///tmp/spool?Name=a%20b&fsync=true");
        Assert.Equal("file", endpoint.Scheme);
        Assert.Equal("/tmp/spool", endpoint.Address);
        Assert.Equal("a b", endpoint.GetQueryValue("name"));
        Assert.Null(endpoint.GetQueryValue("missing"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("no-scheme")]
    [InlineData("://x")]
    [InlineData("1abc://x")]
    [InlineData("tcp://h:1?=v")]
    public void Malformed_text_is_a_format_error_that_says_what_is_expected(string text)
    {
        var error = Assert.Throws<FormatException>(() => Endpoint.Parse(text));
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        Assert.False(Endpoint.TryParse(text, out _));
    }

    [Fact]
    public void With_methods_return_changed_copies()
    {
        var original = Endpoint.Parse("shm://ring?capacity=1MiB");
        var changed = original.WithQueryValue("capacity", "4MiB").WithAddress("other");
        Assert.Equal("shm://ring?capacity=1MiB", original.ToString());
        Assert.Equal("shm://other?capacity=4MiB", changed.ToString());
    }

    [Theory]
    [InlineData("64", 64)]
    [InlineData("1KiB", 1024)]
    [InlineData("64kb", 65536)]
    [InlineData("1MiB", 1 << 20)]
    [InlineData("2G", 2L << 30)]
    public void Byte_sizes_parse_in_powers_of_1024(string text, long expected)
    {
        Assert.Equal(expected, ByteSize.Parse(text));
        Assert.Equal(expected, ByteSize.Parse(ByteSize.Format(expected)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("KiB")]
    [InlineData("12XB")]
    [InlineData("-4")]
    [InlineData("99999999999999999999")]
    public void Bad_sizes_are_refused(string text) => Assert.False(ByteSize.TryParse(text, out _));
}
