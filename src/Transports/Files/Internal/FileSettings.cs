namespace IpcKit.Transports.Files.Internal;

/// <summary>The options with the endpoint's query applied.</summary>
internal sealed record FileSettings(string Directory, bool Fsync, int MaxMessageSize, TimeSpan ConnectTimeout)
{
    public const string ListenerFileName = "listener";
    public const string RequestSuffix = ".req";
    public const string UpSuffix = ".up";
    public const string DownSuffix = ".down";

    public static FileSettings From(Endpoint endpoint, FileTransportOptions options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (endpoint.Scheme != "file")
        {
            throw new ArgumentException($"The file transport cannot use the endpoint {endpoint}.", nameof(endpoint));
        }

        if (!Path.IsPathRooted(endpoint.Address))
        {
            throw new ArgumentException($"The endpoint {endpoint} needs an absolute directory, for example file:///tmp/ipckit-spool.", nameof(endpoint));
        }

        bool fsync = endpoint.GetQueryValue("fsync")?.ToUpperInvariant() switch
        {
            null => options.Fsync,
            "TRUE" or "1" or "YES" => true,
            "FALSE" or "0" or "NO" => false,
            var other => throw new ArgumentException($"In {endpoint}: fsync={other} is not true or false.", nameof(endpoint)),
        };
        return new FileSettings(Path.TrimEndingDirectorySeparator(endpoint.Address), fsync, options.MaxMessageSize, options.ConnectTimeout);
    }
}
