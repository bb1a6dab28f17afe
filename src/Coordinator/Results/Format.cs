using System.Globalization;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Results;

/// <summary>Human formatting of figures, always in the invariant culture.</summary>
internal static class Format
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Size(int bytes) => bytes == 0 ? "record" : ByteSize.Format(bytes);

    public static string Duration(double ns) => ns switch
    {
        < 1_000 => ns.ToString("0", Inv) + " ns",
        < 1_000_000 => (ns / 1e3).ToString(ns < 10_000 ? "0.00" : ns < 100_000 ? "0.0" : "0", Inv) + " µs",
        < 1_000_000_000 => (ns / 1e6).ToString(ns < 10_000_000 ? "0.00" : "0.0", Inv) + " ms",
        _ => (ns / 1e9).ToString("0.00", Inv) + " s",
    };

    public static string Rate(double perSecond) => perSecond switch
    {
        >= 1e9 => (perSecond / 1e9).ToString("0.00", Inv) + " G",
        >= 1e6 => (perSecond / 1e6).ToString("0.00", Inv) + " M",
        >= 1e3 => (perSecond / 1e3).ToString("0.0", Inv) + " k",
        _ => perSecond.ToString("0", Inv),
    };

    public static string Bytes(double perSecond) => perSecond switch
    {
        >= 1 << 30 => (perSecond / (1 << 30)).ToString("0.00", Inv) + " GiB/s",
        >= 1 << 20 => (perSecond / (1 << 20)).ToString("0.0", Inv) + " MiB/s",
        >= 1 << 10 => (perSecond / (1 << 10)).ToString("0.0", Inv) + " KiB/s",
        _ => perSecond.ToString("0", Inv) + " B/s",
    };

    public static string Count(long n) => n.ToString("#,0", Inv);

    public static string Number(double value, string format = "0.00") => value.ToString(format, Inv);

    /// <summary>A ratio such as 1.32×, with two significant decimals below 10.</summary>
    public static string Ratio(double ratio) => ratio.ToString(ratio < 10 ? "0.00" : "0.0", Inv) + "×";

    /// <summary>A relative change such as +12.3% or −4.0%, signed so that no change reads +0.0%.</summary>
    public static string Change(double relative) =>
        (relative < 0 ? "−" : "+") + Math.Abs(relative * 100).ToString(Math.Abs(relative) < 10 ? "0.0" : "0", Inv) + "%";

    /// <summary>A number as a machine reads it: invariant culture, shortest form that round-trips.</summary>
    public static string Raw(double value) => value.ToString("R", Inv);

    /// <summary>An integer as a machine reads it.</summary>
    public static string Raw(long value) => value.ToString(Inv);
}
