using System.CommandLine;
using IpcKit.Coordinator.Exporters;
using IpcKit.Coordinator.Planning;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Running;
using IpcKit.Coordinator.Statistics;
using IpcKit.Coordinator.Workloads;
using IpcKit.Peers;
using IpcKit.Protocol;
using IpcKit.Transports;
using Spectre.Console;

namespace IpcKit.Coordinator.Commands;

/// <summary>`ipckit bench`: run workloads over transports between this process and worker processes.</summary>
internal static partial class BenchCommand
{
    private static readonly Option<string> TransportOption = new("--transport", "-t")
    {
        Description = "Transports to measure: a comma list of names from `ipckit list`, or all.",
        DefaultValueFactory = _ => "all",
    };

    private static readonly Option<string> WorkloadOption = new("--workload", "-w")
    {
        Description = "latency (ping-pong), throughput (one-way stream), request (typed MessagePack request/reply), a comma list, or all.",
        DefaultValueFactory = _ => "latency,throughput",
    };

    private static readonly Option<string> SizesOption = new("--sizes", "-s")
    {
        Description = "Message sizes, e.g. 64,1KiB,64KiB,1MiB (16 bytes to 64MiB).",
        DefaultValueFactory = _ => "64,1KiB,64KiB,1MiB",
    };

    private static readonly Option<long?> IterationsOption = new("--iterations", "-n")
    {
        Description = "Operations per case (round trips, or messages for throughput), split across its trials. Overrides --duration.",
    };

    private static readonly Option<string?> DurationOption = new("--duration", "-d")
    {
        Description = "Measured time per case, split across its trials, e.g. 500ms, 2s. Default: 1s, or 200ms with --quick.",
    };

    private static readonly Option<string?> WarmupOption = new("--warmup")
    {
        Description = "The longest each trial warms up before measuring, e.g. 500ms; it stops earlier once the operation rate settles (within 5% over 3 batches). Default: 1s, or 500ms with --quick.",
    };

    private static readonly Option<bool> QuickOption = new("--quick", "-q")
    {
        Description = "Short cases (200ms each, over 7 trials) and sizes 64,64KiB.",
    };

    private static readonly Option<int?> TrialsOption = new("--trials", "-r")
    {
        Description = "Trials per case, interleaved across the cases; figures are medians over them with a 95% confidence interval. Default: 7 (docs/statistics.md says why).",
    };

    private static readonly Option<string> ProgressOption = new("--progress")
    {
        Description = "How progress is shown on stderr: auto (a bar on a terminal, lines elsewhere), plain (lines) or json (one event per line).",
        DefaultValueFactory = _ => "auto",
    };

    private static readonly Option<string?> PinOption = new("--pin")
    {
        Description = "Place the two communicating threads: split (two CPUs), same (one CPU) or none (the scheduler decides, and figures swing). Default: split when this process may use two CPUs, else same.",
    };

    private static readonly Option<string?> CpusOption = new("--cpus")
    {
        Description = "CPUs to pin to, as A or A,B (coordinator, worker). Default: the first two this process may use.",
    };

    private static readonly Option<string?> WaitOption = new("--wait")
    {
        Description = "How ring transports (mmf, thread) wait for data: spin (burn a CPU, lowest latency; use --pin split), backoff (spin, yield, then sleep) or block (futex). Default: backoff.",
    };

    private static readonly Option<string?> CapacityOption = new("--capacity")
    {
        Description = "Ring size per direction for ring transports (mmf, thread), a power of two from 4KiB to 1GiB; the native twin uses the same. Messages up to a quarter of it travel whole and are received in place; larger ones stream through in pieces and are copied out. Default: sized from the largest message, the smallest power of two that carries it whole, from 4MiB to 16MiB (each connection maps two rings in /dev/shm).",
    };

    private static readonly Option<bool> ZeroCopyOption = new("--zero-copy")
    {
        Description = "In the throughput workload, write each message in place in the ring of ring transports (mmf, thread) through IZeroCopySender (claim, write, commit) instead of copying it in; the native twin does the same. Other transports send as usual.",
    };

    private static readonly Option<DirectoryInfo?> MmfDirOption = new("--mmf-dir")
    {
        Description = "Directory (a tmpfs) for the mmf transport's files, instead of /dev/shm, for example when /dev/shm is small or full.",
    };

    private static readonly Option<string?> CaseTimeoutOption = new("--case-timeout")
    {
        Description = "How long one case may run before its worker is declared hung and killed. Default: the case's duration + warm-up + 30s (120s with --iterations).",
    };

    private static readonly Option<string?> WorkersOption = new("--workers")
    {
        Description = "Run N workers at once, each with a connection of its own, for each N of a comma list, e.g. 1,2,4,8 (unpinned: the scheduler shares the CPUs among them).",
    };

    private static readonly Option<string?> ShapeOption = new("--shape")
    {
        Description = "How --workers talk: pairs (N independent pairs, a coordinator thread each), fan-in (N workers stream to one listener, one consumer drains it; throughput) or fan-out (one producer feeds N workers; throughput). Default: pairs.",
    };

    private static readonly Option<string?> RateOption = new("--rate")
    {
        Description = "Open-loop latency at each offered rate of a comma list, e.g. 10k,100k,1M msg/s, or sweep (5k to 1M): messages go out on schedule whether or not replies are back, and each latency counts from when its message was due.",
    };

    private static readonly Option<string> FormatOption = new("--format", "-f")
    {
        Description = "table (for people) or json (for scripts; docs/json-schema.md).",
        DefaultValueFactory = _ => "table",
    };

    private static readonly Option<FileInfo?> OutputOption = new("--output", "-o")
    {
        Description = "Write the result to this file (in --format) instead of standard output; the table still goes to the terminal.",
    };

    private static readonly Option<string> ReferenceOption = new("--reference")
    {
        Description = "What to measure next to the transports asked for, a comma list: thread (the in-process baseline, added when no in-process transport is listed), " +
                      "native (each case's native C twin, built with the system C compiler on first use, and the ratio to it; without a compiler the run says so and goes on), or none. Default: thread,native.",
        DefaultValueFactory = _ => DefaultReference,
    };

    /// <summary>
    /// The quick start, `ipckit bench --transport pipe`, answers "compared to what?" without being asked: pipe next to
    /// what threads sharing memory pay (thread) and next to its native twin (issue 17). --reference none measures
    /// exactly the transports listed.
    /// </summary>
    public const string DefaultReference = "thread,native";

    /// <summary>The in-process baseline a run gets when it lists no in-process transport: the same ring as mmf, in ordinary memory.</summary>
    public const string BaselineTransport = "thread";

    private static readonly Option<string?> ColumnsOption = CreateColumnsOption();

    /// <summary>--columns, for bench and report alike.</summary>
    internal static Option<string?> CreateColumnsOption() => new("--columns")
    {
        Description = "The terminal table's columns: compact (the default: p50, its 95% CI, p99, rate, CPU/op or bytes/s, the ratio to the native twin), all, " +
                      "or a comma list of: " + string.Join(", ", ResultTable.Keys) + ". transport, size and p50 are always shown; columns that do not fit the terminal are left out, lowest priority first, and named.",
    };

    private static readonly Option<DirectoryInfo?> OutputDirOption = new("--output-dir")
    {
        Description = "Write every output into this directory: results.json, results.csv, report.md, report.html and the SVG charts.",
    };

    public static Command Create()
    {
        var command = new Command("bench", "Measure transports between this process and worker processes: latency, throughput, CPU cost and integrity.")
        {
            TransportOption, WorkloadOption, SizesOption, IterationsOption, DurationOption, WarmupOption, QuickOption,
            TrialsOption, PinOption, CpusOption, WaitOption, CapacityOption, ZeroCopyOption, MmfDirOption, CaseTimeoutOption, FormatOption, OutputOption,
            ReferenceOption, OutputDirOption, ProgressOption, WorkersOption, ShapeOption, RateOption, ColumnsOption,
        };
        foreach (var option in Remote.RemoteOptions.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) => RunAsync(parse, ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var stderr = Terminal.Error;
        BenchPlan plan;
        string format;
        IReadOnlyList<string>? columns;
        ProgressStyle progressStyle;
        try
        {
            plan = BuildPlan(parse);
            columns = OptionParsing.Columns(parse.GetValue(ColumnsOption));
            format = parse.GetValue(FormatOption)!.ToLowerInvariant();
            if (format is not ("table" or "json"))
            {
                throw new UsageException($"Unknown format '{format}'. Valid formats: table, json.");
            }

            string progressText = parse.GetValue(ProgressOption)!;
            if (!Enum.TryParse(progressText, ignoreCase: true, out progressStyle) || !Enum.IsDefined(progressStyle) || int.TryParse(progressText, out _))
            {
                throw new UsageException($"Unknown --progress '{progressText}'. Valid: auto, plain, json.");
            }
        }
        catch (UsageException e)
        {
            stderr.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return ExitCodes.BadArguments;
        }

        // A path that cannot be written is found now, not after the whole run (which would still print its table).
        foreach (var (option, problem) in new[]
        {
            ("--output", parse.GetValue(OutputOption) is { } file ? OutputFiles.CheckFile(file.FullName) : null),
            ("--output-dir", parse.GetValue(OutputDirOption) is { } outputDir ? OutputFiles.CheckDirectory(outputDir.FullName) : null),
        })
        {
            if (problem is not null)
            {
                stderr.MarkupLine($"[red]error:[/] cannot write {option}: {Markup.Escape(problem)}. Nothing was measured.");
                return ExitCodes.OutputFailure;
            }
        }

        Remote.RemoteRun? remote;
        try
        {
            (plan, remote) = await Remote.RemoteOptions.PrepareAsync(parse, plan, line => stderr.MarkupLine($"[grey]{Markup.Escape(line)}[/]"), cancellationToken);
        }
        catch (UsageException e)
        {
            stderr.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return ExitCodes.BadArguments;
        }
        catch (Remote.RemoteSetupException e)
        {
            stderr.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return ExitCodes.TransportFailure;
        }

        foreach (string stale in ScratchSpace.SweepStale(plan.MmfDirectory))
        {
            stderr.MarkupLine($"[yellow]note:[/] removed {Markup.Escape(stale)}, left by an ipckit run that no longer exists.");
        }

        var environment = EnvironmentInfo.Capture();
        RunOutcome outcome;
        try
        {
            outcome = await RunProgress.RunAsync(stderr, progressStyle, progress => new Runner(plan, progress).RunAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stderr.MarkupLine("[yellow]Interrupted: workers stopped, files removed.[/]");
            return ExitCodes.Interrupted;
        }

        var report = ReportOf(plan, environment, outcome) with { Remote = remote };
        var results = report.Results;

        var output = parse.GetValue(OutputOption);
        var terminal = Terminal.Out;

        bool outputWritten = true;
        if (output is not null)
        {
            // The table first: a result file that cannot be written must not cost the user the figures.
            ConsoleExporter.Write(format == "json" ? stderr : terminal, report, columns);
            outputWritten = WriteOutputFile(stderr, output.FullName, format == "json" ? JsonExporter.Write(report) : RenderTable(report, columns));
        }
        else if (format == "json")
        {
            Console.Out.Write(JsonExporter.Write(report));
            Console.Out.WriteLine();
        }
        else
        {
            ConsoleExporter.Write(terminal, report, columns);
        }

        bool outputsWritten = (parse.GetValue(OutputDirOption) is not { } dir || ReportCommand.WriteOutputs(stderr, report, dir.FullName)) && outputWritten;
        if (results.Any(r => r.Error is not null))
        {
            return ExitCodes.TransportFailure;
        }

        return results.Any(r => r.Failed) ? ExitCodes.IntegrityFailure : outputsWritten ? ExitCodes.Success : ExitCodes.OutputFailure;
    }

    /// <summary>Writes --output next to its target and renames it over it; says on stderr what went wrong (exit 6).</summary>
    private static bool WriteOutputFile(IAnsiConsole stderr, string path, string text)
    {
        try
        {
            OutputFiles.WriteWhole(path, text);
            stderr.MarkupLine($"[grey]wrote {Markup.Escape(path)}[/]");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string why = e is DirectoryNotFoundException ? $"the directory {Path.GetDirectoryName(path)} does not exist" : e.Message;
            stderr.MarkupLine($"[red]error:[/] could not write {Markup.Escape(path)}: {Markup.Escape(why)}");
            return false;
        }
    }

    /// <summary>The report of a run: the plan's settings, and each case's trials turned into figures by the statistics layer.</summary>
    internal static BenchReport ReportOf(BenchPlan plan, EnvironmentInfo environment, RunOutcome outcome)
    {
        string pin = plan.Pin.ToString().ToLowerInvariant();
        // A framework peer's row is set against the bare transport it rides on, from the same run.
        var results = BareRatios.AddTo(
            [.. outcome.Cases.Select(c => CaseStatistics.Summarise(c, pin))],
            name => PeerKind.TryGet(name, out var peer) ? peer.BareTransport : null);
        return new BenchReport
        {
            Environment = environment,
            Settings = new BenchSettings
            {
                Transports = [.. plan.Transports.Select(t => t.Scheme)],
                Workloads = [.. plan.Workloads.Select(w => w.Name)],
                Sizes = plan.Sizes,
                Iterations = plan.Budget.Iterations,
                DurationSeconds = plan.Budget.Duration?.TotalSeconds,
                WarmupSeconds = plan.Budget.WarmupCap.TotalSeconds,
                Pin = pin,
                Cpus = plan.Pin == PinMode.None ? [] : [plan.CoordinatorCpu, plan.WorkerCpu],
                Trials = plan.Trials,
                Quick = plan.Quick,
                Wait = plan.Wait?.ToString().ToLowerInvariant(),
                RingCapacity = plan.Transports.Any(t => RingTransports.Contains(t.Scheme)) ? plan.RingCapacity : plan.Capacity,
                ZeroCopy = plan.ZeroCopy,
                Reference = plan.Reference,
                Workers = plan.WorkerCounts is { Count: > 0 } w ? w : null,
                Shape = plan.WorkerCounts.Count > 0 ? Shapes.Name(plan.Cases[0].Shape) : null,
                Rates = plan.Rates is { Count: > 0 } r ? r : null,
            },
            Results = results,
            ReferenceRun = outcome.ReferenceRun,
            Scaling = plan.WorkerCounts.Count > 0 ? ScalingAnalysis.Oversubscription(results, environment.AllowedCpus.Count, t => WaitsOf(plan, t)) : null,
            Saturation = plan.Rates.Count > 0 ? ScalingAnalysis.Saturation(results) : null,
        };
    }

    /// <summary>How a transport waits for data, in the words of the oversubscription notes.</summary>
    private static string WaitsOf(BenchPlan plan, string transport) =>
        !plan.Cases.Any(c => c.Scheme == transport && c.IsRing) ? "blocks in the kernel"
        : plan.Wait switch
        {
            RingWait.Spin => "spins",
            RingWait.Block => "sleeps on a futex",
            _ => "spins, then sleeps on a futex",
        };

    private static string RenderTable(BenchReport report, IReadOnlyList<string>? columns)
    {
        var writer = new StringWriter();
        ConsoleExporter.Write(Terminal.Plain(writer), report, columns);
        return writer.ToString();
    }

    /// <summary>
    /// Trials per case, with --quick too. With 3 trials against 3 a two-sided rank test can never go below p = 0.1, so no
    /// change could ever be told from noise; with 7 against 7 a real change stays significant at the 5% level even when
    /// one trial on either side was caught by a scheduling stall (docs/statistics.md).
    /// </summary>
    public const int DefaultTrials = 7;
}
