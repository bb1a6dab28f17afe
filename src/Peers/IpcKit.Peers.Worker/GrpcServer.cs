using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IpcKit.Peers.Worker;

/// <summary>Grpc.AspNetCore on Kestrel, HTTP/2 without TLS (h2c), on a Unix socket or on 127.0.0.1.</summary>
internal sealed class GrpcServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string? _socketPath;

    private GrpcServer(WebApplication app, string address, string? socketPath)
    {
        _app = app;
        Address = address;
        _socketPath = socketPath;
    }

    /// <summary>Where clients connect: the socket path, or <c>127.0.0.1:PORT</c>.</summary>
    public string Address { get; }

    /// <param name="socketPath">A fresh path in a private directory, or null for TCP loopback on a kernel-chosen port.</param>
    public static async Task<GrpcServer> StartAsync(string? socketPath)
    {
        // No command-line or environment configuration: the endpoint is the one given, nothing else.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders(); // stdout is the control channel
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            if (socketPath is not null)
            {
                kestrel.ListenUnixSocket(socketPath, listen => listen.Protocols = HttpProtocols.Http2);
            }
            else
            {
                kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
            }
        });
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<OrderGrpcService>();
        await app.StartAsync();
        try
        {
            if (socketPath is not null)
            {
                // The directory is private (checked before binding); the socket itself is made 0600 as well.
                File.SetUnixFileMode(socketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                return new GrpcServer(app, socketPath, socketPath);
            }

            string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            int port = new Uri(bound).Port;
            return new GrpcServer(app, string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}"), null);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _app.StopAsync(deadline.Token);
        }

        await _app.DisposeAsync();
        if (_socketPath is not null)
        {
            PeerSockets.DeleteOwnSocket(_socketPath);
        }
    }
}
