using System.CommandLine;
using IpcKit.Coordinator.Demos;
using IpcKit.Coordinator.Workloads;
using IpcKit.Peers;
using IpcKit.Transports;
using Spectre.Console;

namespace IpcKit.Coordinator.Commands;

/// <summary>`ipckit list`: every transport, framework peer, workload and demo, one line each.</summary>
internal static class ListCommand
{
    public static Command Create()
    {
        var command = new Command("list", "List the transports, the framework peers, the workloads and the demos with one line on each.");
        command.SetAction(_ =>
        {
            var table = new Table().Border(TableBorder.Simple).AddColumns("transport", "aliases", "what it is");
            foreach (var t in TransportRegistry.Default.Transports)
            {
                table.AddRow(Markup.Escape(t.Scheme), Markup.Escape(string.Join(", ", t.Aliases)), Markup.Escape(t.Description));
            }

            Terminal.Out.Write(table);
            // Frameworks people use instead of a bare transport: chosen with --transport like one, request workload only.
            var peers = new Table().Border(TableBorder.Simple).AddColumns("peer", "what it is (request workload only)");
            foreach (var p in PeerKind.All)
            {
                peers.AddRow(Markup.Escape(p.Name), Markup.Escape(p.Description));
            }

            Terminal.Out.Write(peers);
            var workloads = new Table().Border(TableBorder.Simple).AddColumns("workload", "what it measures");
            foreach (var w in Workload.All)
            {
                workloads.AddRow(w.Name, Markup.Escape(w.Description));
            }

            Terminal.Out.Write(workloads);
            var demos = new Table().Border(TableBorder.Simple).AddColumns("demo", "what it shows (ipckit demo NAME, or ipckit demo all)");
            foreach (var d in DemoCatalog.All)
            {
                demos.AddRow(d.Name, Markup.Escape(d.Summary));
            }

            Terminal.Out.Write(demos);
            return ExitCodes.Success;
        });
        return command;
    }
}
