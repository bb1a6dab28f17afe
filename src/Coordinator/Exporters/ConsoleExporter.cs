using IpcKit.Coordinator.Results;
using Spectre.Console;

namespace IpcKit.Coordinator.Exporters;

/// <summary>The terminal tables: one per workload, with what each figure rests on.</summary>
internal static class ConsoleExporter
{
    public static void Write(IAnsiConsole console, BenchReport report)
    {
        var env = report.Environment;
        var s = report.Settings;
        console.MarkupLine($"[bold]ipckit {Markup.Escape(env.IpcKitVersion)}[/] · {Markup.Escape(env.CpuModel)} · {env.Cores} cores · {Markup.Escape(env.DotNet)} · Linux {Markup.Escape(env.Kernel)} · load {Format.Number(env.LoadAverage)}");
        string pin = s.Pin switch
        {
            "none" => "pin: none (the scheduler places both threads; figures can swing between runs — try --pin same or --pin split)",
            "same" => $"pin: same (coordinator and worker I/O threads both on CPU {s.Cpus[0]})",
            _ => $"pin: split (coordinator on CPU {s.Cpus[0]}, worker on CPU {s.Cpus[1]})",
        };
        string budget = s.Iterations is { } n ? $"{Format.Count(n)} operations per case" : $"{Format.Number(s.DurationSeconds ?? 0, "0.###")} s per case";
        console.MarkupLine($"{Markup.Escape(pin)} · {budget} after {Format.Number(s.WarmupSeconds, "0.###")} s warm-up");
        console.WriteLine();

        foreach (var group in report.Results.GroupBy(r => r.Workload))
        {
            var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{group.Key}[/] {Markup.Escape(Caption(group.Key))}");
            bool stream = group.Key == "throughput";
            table.AddColumns("transport", "size", stream ? "messages" : "round trips", "p50", "p90", "p99", "p99.9", "max", "mean",
                stream ? "msg/s" : "ops/s", stream ? "bytes/s" : "CPU/op", "ctx sw/op", "lost", "corrupt");
            for (int i = 2; i < table.Columns.Count; i++)
            {
                table.Columns[i].RightAligned();
            }

            foreach (var r in group)
            {
                if (r.Error is not null)
                {
                    table.AddRow(new Markup(Markup.Escape(r.Transport)), new Text(Format.Size(r.MessageSize)),
                        new Markup("[red]failed[/]"), new Text(""), new Text(""), new Text(""), new Text(""), new Text(""), new Text(""),
                        new Text(""), new Text(""), new Text(""), new Text(""), new Text(""));
                    continue;
                }

                var l = r.Latency;
                string Ns(Func<LatencyStats, double> f) => l is null ? "-" : Format.Duration(f(l));
                double cpuPerOp = r.Cpu is { } c && r.Operations > 0
                    ? (c.Coordinator.UserMs + c.Coordinator.SystemMs + c.Worker.UserMs + c.Worker.SystemMs) * 1e6 / r.Operations : 0;
                double switchesPerOp = r.Cpu is { } c2 && r.Operations > 0
                    ? (double)(c2.Coordinator.VoluntaryContextSwitches + c2.Worker.VoluntaryContextSwitches
                               + c2.Coordinator.InvoluntaryContextSwitches + c2.Worker.InvoluntaryContextSwitches) / r.Operations : 0;
                string Bad(long v) => v == 0 ? "0" : $"[red]{Format.Count(v)}[/]";
                table.AddRow(
                    Markup.Escape(r.Transport), Format.Size(r.MessageSize), Format.Count(r.Operations),
                    Ns(x => x.P50Ns), Ns(x => x.P90Ns), Ns(x => x.P99Ns), Ns(x => x.P999Ns), Ns(x => x.MaxNs), Ns(x => x.MeanNs),
                    Format.Rate(r.MessagesPerSecond), stream ? Format.Bytes(r.BytesPerSecond) : Format.Duration(cpuPerOp),
                    Format.Number(switchesPerOp), Bad(r.Integrity.Lost), Bad(r.Integrity.Corrupted));
            }

            console.Write(table);
            console.WriteLine();
        }

        foreach (var r in report.Results.Where(r => r.Error is not null))
        {
            console.MarkupLine($"[red]{Markup.Escape(r.Transport)} {Markup.Escape(r.Workload)} {Format.Size(r.MessageSize)} failed:[/] {Markup.Escape(r.Error!)}");
        }
    }

    private static string Caption(string workload) => workload switch
    {
        "latency" => "— round-trip time per message size",
        "throughput" => "— one-way stream; times are per message within batches of sends",
        "request" => "— typed Order request + reply (MessagePack)",
        _ => "",
    };
}
