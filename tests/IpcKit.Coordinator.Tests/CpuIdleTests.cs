using System.Text.Json;
using IpcKit.Coordinator.Exporters;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;

namespace IpcKit.Coordinator.Tests;

/// <summary>How idle CPUs sleep: read from /sys, kept in the report, and explained when it makes kernel round trips slow.</summary>
public sealed class CpuIdleTests : IDisposable
{
    private readonly string _sys = Directory.CreateTempSubdirectory("ipckit-sys-").FullName;

    public void Dispose() => Directory.Delete(_sys, recursive: true);

    [Fact]
    public void A_haltpoll_guest_with_no_poll_window_halts_at_once()
    {
        Write("devices/system/cpu/cpuidle/current_driver", "haltpoll\n");
        Write("devices/system/cpu/cpuidle/current_governor", "haltpoll\n");
        Write("module/haltpoll/parameters/guest_halt_poll_ns", "0\n");

        var idle = CpuIdleInfo.Read(_sys)!;
        Assert.Equal(("haltpoll", "haltpoll", 0L), (idle.Driver, idle.Governor, idle.HaltPollNs!.Value));
        Assert.True(idle.HaltsAtOnce);

        Write("module/haltpoll/parameters/guest_halt_poll_ns", "200000\n");
        Assert.False(CpuIdleInfo.Read(_sys)!.HaltsAtOnce);
    }

    [Fact]
    public void Other_drivers_have_no_halt_poll_window_and_a_missing_cpuidle_is_unknown()
    {
        Assert.Null(CpuIdleInfo.Read(_sys));

        Write("devices/system/cpu/cpuidle/current_driver", "intel_idle\n");
        Write("devices/system/cpu/cpuidle/current_governor_ro", "menu\n");
        Write("module/haltpoll/parameters/guest_halt_poll_ns", "0\n"); // the module's parameter, but not the driver in use
        var idle = CpuIdleInfo.Read(_sys)!;
        Assert.Equal(("intel_idle", "menu"), (idle.Driver, idle.Governor));
        Assert.Null(idle.HaltPollNs);
        Assert.False(idle.HaltsAtOnce);
    }

    [Fact]
    public void This_machines_driver_is_what_the_kernel_says()
    {
        const string file = "/sys/devices/system/cpu/cpuidle/current_driver";
        var captured = EnvironmentInfo.Capture().CpuIdle;
        if (File.Exists(file))
        {
            Assert.Equal(File.ReadAllText(file).Trim(), captured?.Driver);
        }
        else
        {
            Assert.Null(captured);
        }
    }

    [Theory]
    [InlineData("split", 0L, true)]
    [InlineData("none", 0L, true)]
    [InlineData("same", 0L, false)]
    [InlineData("split", 200_000L, false)]
    public void The_headline_explains_slow_wakeups_only_where_threads_cross_cpus_that_halt_at_once(string pin, long haltPollNs, bool noted)
    {
        var report = Report(new CpuIdleInfo { Driver = "haltpoll", Governor = "haltpoll", HaltPollNs = haltPollNs }, pin);
        var notes = Headline.Reference(Summary.Of(report));
        Assert.Equal(noted, notes.Any(n => n.StartsWith("idle vCPUs halt at once", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_json_keeps_the_idle_settings_and_reads_them_back()
    {
        var report = Report(new CpuIdleInfo { Driver = "haltpoll", Governor = "haltpoll", HaltPollNs = 0 }, "split") with
        {
            Environment = SampleReports.Environment with { Virtualized = true, CpuIdle = new CpuIdleInfo { Driver = "haltpoll", Governor = "haltpoll", HaltPollNs = 0 } },
        };

        string json = JsonExporter.Write(report);
        using var doc = JsonDocument.Parse(json);
        var env = doc.RootElement.GetProperty("environment");
        Assert.True(env.GetProperty("virtualized").GetBoolean());
        var idle = env.GetProperty("cpuIdle");
        Assert.Equal(["driver", "governor", "haltPollNs"], idle.EnumerateObject().Select(p => p.Name));
        Assert.Equal(report.Environment.CpuIdle, JsonExporter.Read(json).Environment.CpuIdle);
    }

    private static BenchReport Report(CpuIdleInfo idle, string pin) => SampleReports.Minimal() with
    {
        Environment = SampleReports.Environment with { CpuIdle = idle },
        Settings = SampleReports.Settings(["unix"], ["latency"], "none") with { Pin = pin },
    };

    private void Write(string relative, string text)
    {
        string path = Path.Combine(_sys, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
