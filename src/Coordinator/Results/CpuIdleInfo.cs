using System.Globalization;
using System.Text.Json.Serialization;

namespace IpcKit.Coordinator.Results;

/// <summary>
/// How this machine's idle CPUs sleep (the kernel's cpuidle driver and governor). It matters to every figure that
/// includes a wake-up: a thread woken on a CPU that sleeps deeply waits for that CPU to come back first. On a virtual
/// machine with the <c>haltpoll</c> driver and a halt-poll window of 0 ns, an idle vCPU halts at once, which exits to
/// the hypervisor; waking it again goes through the host's scheduler (docs/statistics.md, "Sleeping CPUs").
/// </summary>
internal sealed record CpuIdleInfo
{
    /// <summary>The cpuidle driver, e.g. intel_idle, acpi_idle or haltpoll; "none" when idle states are off.</summary>
    public required string Driver { get; init; }

    /// <summary>The cpuidle governor, e.g. menu, teo or haltpoll; null when the kernel does not say.</summary>
    public string? Governor { get; init; }

    /// <summary>
    /// With the haltpoll driver: the longest an idle vCPU polls for work before it halts (guest_halt_poll_ns); 0 means
    /// it halts at once. Null with other drivers.
    /// </summary>
    public long? HaltPollNs { get; init; }

    /// <summary>True when an idle vCPU halts without polling first: a cross-CPU wake-up then costs a trip through the host.</summary>
    [JsonIgnore]
    public bool HaltsAtOnce => Driver == "haltpoll" && HaltPollNs == 0;

    /// <summary>Reads the cpuidle files under /sys; null when there are none (a container may hide them).</summary>
    public static CpuIdleInfo? Read(string sys = "/sys")
    {
        string? driver = EnvironmentInfo.ReadFirstLine(Path.Combine(sys, "devices/system/cpu/cpuidle/current_driver"));
        if (driver is null)
        {
            return null;
        }

        string? governor = EnvironmentInfo.ReadFirstLine(Path.Combine(sys, "devices/system/cpu/cpuidle/current_governor"))
            ?? EnvironmentInfo.ReadFirstLine(Path.Combine(sys, "devices/system/cpu/cpuidle/current_governor_ro"));
        long? haltPoll = null;
        if (driver == "haltpoll"
            && long.TryParse(EnvironmentInfo.ReadFirstLine(Path.Combine(sys, "module/haltpoll/parameters/guest_halt_poll_ns")),
                NumberStyles.Integer, CultureInfo.InvariantCulture, out long ns))
        {
            haltPoll = ns;
        }

        return new CpuIdleInfo { Driver = driver, Governor = governor, HaltPollNs = haltPoll };
    }

    /// <summary>The driver and governor in a few words, for the report's environment.</summary>
    public string Describe() =>
        $"{Driver} driver" + (Governor is null ? "" : $", {Governor} governor")
        + (HaltPollNs is { } ns ? $", guest halt-poll {ns.ToString(CultureInfo.InvariantCulture)} ns" : "");
}
