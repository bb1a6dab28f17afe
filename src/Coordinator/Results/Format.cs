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
}
