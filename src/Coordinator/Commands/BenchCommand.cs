using System.CommandLine;
using IpcKit.Coordinator.Exporters;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Running;
using IpcKit.Coordinator.Workloads;
using IpcKit.Protocol;
using IpcKit.Transports;
using Spectre.Console;

namespace IpcKit.Coordinator.Commands;

/// <summary>`ipckit bench`: run workloads over transports between this process and worker processes.</summary>
internal static class BenchCommand
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
        Description = "Operations per case (round trips, or messages for throughput). Overrides --duration.",
    };

    private static readonly Option<string?> DurationOption = new("--duration", "-d")
    {
        Description = "Time per case, e.g. 500ms, 2s. Default: 1s, or 200ms with --quick.",
    };

    private static readonly Option<string?> WarmupOption = new("--warmup")
    {
        Description = "Warm-up time per case before measuring, e.g. 200ms. Default: 200ms, or 50ms with --quick.",
    };

    private static readonly Option<bool> QuickOption = new("--quick", "-q")
    {
        Description = "Short cases (200ms each) and sizes 64,64KiB: every transport in well under 30 s.",
    };

    private static readonly Option<string> PinOption = new("--pin")
    {
        Description = "Place the two communicating threads: none (scheduler decides), same (one CPU), split (two CPUs).",
        DefaultValueFactory = _ => "none",
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
        Description = "native: also measure each case's native C twin (scripts/native, built with the system C compiler on first use) and add the ratio to it; none: do not.",
        DefaultValueFactory = _ => "none",
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
            PinOption, CpusOption, WaitOption, CapacityOption, ZeroCopyOption, MmfDirOption, CaseTimeoutOption, FormatOption, OutputOption, ReferenceOption, OutputDirOption,
        };
        command.SetAction((parse, ct) => RunAsync(parse, ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var stderr = Terminal.Error;
        BenchPlan plan;
        string format;
        bool native;
        try
        {
            plan = BuildPlan(parse);
            format = parse.GetValue(FormatOption)!.ToLowerInvariant();
            if (format is not ("table" or "json"))
            {
                throw new UsageException($"Unknown format '{format}'. Valid formats: table, json.");
            }

            string reference = parse.GetValue(ReferenceOption)!.ToLowerInvariant();
            native = reference is "native" ? true : reference is "none" ? false : throw new UsageException($"Unknown --reference '{reference}'. Valid: native, none.");
        }
        catch (UsageException e)
        {
            stderr.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return ExitCodes.BadArguments;
        }

        foreach (string stale in ScratchSpace.SweepStale(plan.MmfDirectory))
        {
            stderr.MarkupLine($"[yellow]note:[/] removed {Markup.Escape(stale)}, left by an ipckit run that no longer exists.");
        }

        var environment = EnvironmentInfo.Capture();
        IReadOnlyList<CaseResult> results;
        ReferenceRun? referenceRun = null;
        try
        {
            results = await RunProgress.RunAsync(stderr, plan, native, async progress =>
            {
                var measured = await new Orchestrator(plan, progress).RunAsync(cancellationToken);
                if (native)
                {
                    (measured, referenceRun) = await new ReferenceRunner(plan, progress).AddAsync(measured, cancellationToken);
                }

                return measured;
            });
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stderr.MarkupLine("[yellow]Interrupted: workers stopped, files removed.[/]");
            return ExitCodes.Interrupted;
        }

        var report = new BenchReport
        {
            Environment = environment,
            Settings = new BenchSettings
            {
                Transports = [.. plan.Transports.Select(t => t.Scheme)],
                Workloads = [.. plan.Workloads.Select(w => w.Name)],
                Sizes = plan.Sizes,
                Iterations = plan.Budget.Iterations,
                DurationSeconds = plan.Budget.Duration?.TotalSeconds,
                WarmupSeconds = plan.Budget.Warmup.TotalSeconds,
                Pin = plan.Pin.ToString().ToLowerInvariant(),
                Cpus = plan.Pin == PinMode.None ? [] : [plan.CoordinatorCpu, plan.WorkerCpu],
                Quick = plan.Quick,
                Wait = plan.Wait,
                RingCapacity = plan.Transports.Any(t => RingTransports.Contains(t.Scheme)) ? plan.RingCapacity : plan.Capacity,
                ZeroCopy = plan.ZeroCopy,
                Reference = native ? "native" : "none",
            },
            Results = results,
            ReferenceRun = referenceRun,
        };

        var output = parse.GetValue(OutputOption);
        var terminal = Terminal.Out;

        if (output is not null)
        {
            await File.WriteAllTextAsync(output.FullName, format == "json" ? JsonExporter.Write(report) : RenderTable(report), CancellationToken.None);
            ConsoleExporter.Write(format == "json" ? stderr : terminal, report);
            stderr.MarkupLine($"[grey]wrote {Markup.Escape(output.FullName)}[/]");
        }
        else if (format == "json")
        {
            Console.Out.Write(JsonExporter.Write(report));
            Console.Out.WriteLine();
        }
        else
        {
            ConsoleExporter.Write(terminal, report);
        }

        bool outputsWritten = parse.GetValue(OutputDirOption) is not { } dir || ReportCommand.WriteOutputs(stderr, report, dir.FullName);
        if (results.Any(r => r.Error is not null))
        {
            return ExitCodes.TransportFailure;
        }

        return results.Any(r => r.Failed) ? ExitCodes.IntegrityFailure : outputsWritten ? ExitCodes.Success : ExitCodes.OutputFailure;
    }

    private static string RenderTable(BenchReport report)
    {
        var writer = new StringWriter();
        ConsoleExporter.Write(Terminal.Plain(writer), report);
        return writer.ToString();
    }

    internal static BenchPlan BuildPlan(ParseResult parse)
    {
        bool quick = parse.GetValue(QuickOption);
        var transports = OptionParsing.Transports(parse.GetValue(TransportOption)!, TransportRegistry.Default);
        bool zeroCopy = parse.GetValue(ZeroCopyOption);
        var workloads = OptionParsing.Workloads(parse.GetValue(WorkloadOption)!)
            .Select(w => zeroCopy && w is ThroughputWorkload ? new ThroughputWorkload { ZeroCopy = true } : w).ToList();
        if (zeroCopy && (!transports.Any(t => RingTransports.Contains(t.Scheme)) || !workloads.Any(w => w is ThroughputWorkload)))
        {
            throw new UsageException("--zero-copy applies to the throughput workload of ring transports (mmf, thread); add one of each, e.g. -t mmf -w throughput.");
        }

        bool sizesGiven = parse.GetResult(SizesOption) is { Implicit: false };
        var sizes = OptionParsing.Sizes(quick && !sizesGiven ? "64,64KiB" : parse.GetValue(SizesOption)!);
        long? iterations = parse.GetValue(IterationsOption);
        if (iterations is <= 0)
        {
            throw new UsageException("--iterations must be at least 1.");
        }

        string? durationText = parse.GetValue(DurationOption);
        TimeSpan? duration = iterations is null
            ? durationText is null ? TimeSpan.FromMilliseconds(quick ? 200 : 1000) : OptionParsing.Duration(durationText, "--duration")
            : null;
        if (duration is { } d && d <= TimeSpan.Zero)
        {
            throw new UsageException("--duration must be positive.");
        }

        string? warmupText = parse.GetValue(WarmupOption);
        var warmup = warmupText is null ? TimeSpan.FromMilliseconds(quick ? 50 : 200) : OptionParsing.Duration(warmupText, "--warmup");

        string pinText = parse.GetValue(PinOption)!;
        if (!Enum.TryParse<PinMode>(pinText, ignoreCase: true, out var pin) || !Enum.IsDefined(pin) || int.TryParse(pinText, out _))
        {
            throw new UsageException($"Unknown --pin '{pinText}'. Valid: none, same, split.");
        }

        var allowed = Affinity.AllowedCpus();
        var cpus = parse.GetValue(CpusOption) is { } cpuText ? OptionParsing.Cpus(cpuText) : allowed.Take(2).ToList();
        if (cpus.Count == 0 || cpus.Any(c => !allowed.Contains(c)))
        {
            throw new UsageException($"--cpus must name CPUs this process may use: {string.Join(",", allowed)}.");
        }

        int coordinatorCpu = cpus[0];
        int workerCpu = pin == PinMode.Same ? cpus[0] : cpus.Count > 1 ? cpus[1] : -1;
        if (pin == PinMode.Split && (workerCpu < 0 || workerCpu == coordinatorCpu))
        {
            throw new UsageException($"--pin split needs two different CPUs; this process may use {string.Join(",", allowed)}.");
        }

        TimeSpan? caseTimeout = parse.GetValue(CaseTimeoutOption) is { } timeoutText ? OptionParsing.Duration(timeoutText, "--case-timeout") : null;
        return new BenchPlan(transports, workloads, sizes, new RunBudget(iterations, duration, warmup), pin, coordinatorCpu, workerCpu, quick)
        {
            CaseTimeoutOverride = caseTimeout,
            Wait = parse.GetValue(WaitOption) is { } wait
                ? wait.ToLowerInvariant() is "spin" or "backoff" or "block" ? wait.ToLowerInvariant() : throw new UsageException($"Unknown --wait '{wait}'. Valid: spin, backoff, block.")
                : null,
            Capacity = parse.GetValue(CapacityOption) is { } capacity ? OptionParsing.Capacity(capacity) : null,
            ZeroCopy = zeroCopy,
            MmfDirectory = parse.GetValue(MmfDirOption) is { } mmfDir
                ? mmfDir.Exists ? mmfDir.FullName : throw new UsageException($"--mmf-dir {mmfDir} is not an existing directory.")
                : null,
        };
    }
}
