using System.Globalization;
using System.Text;

namespace IpcKit.Transports.Internal;

/// <summary>
/// A process named by its pid and its start time (clock ticks after boot, field 22 of <c>/proc/PID/stat</c>). The start
/// time tells a live process from a later one that was given the same pid.
/// </summary>
internal readonly record struct ProcessIdentity(int Pid, ulong StartTime)
{
    private static ProcessIdentity? s_current;

    /// <summary>This process.</summary>
    public static ProcessIdentity Current => s_current ??= new(Environment.ProcessId, ReadStartTime(Environment.ProcessId) ?? 0);

    /// <summary>
    /// True while the process runs. A zombie (killed but not yet reaped by its parent) counts as gone, and so does a
    /// process with this pid but another start time.
    /// </summary>
    public bool IsAlive()
    {
        if (Pid <= 0)
        {
            return false;
        }

        if (!TryReadStat(Pid, out char state, out ulong start))
        {
            return false;
        }

        return state is not ('Z' or 'X' or 'x') && (StartTime == 0 || start == StartTime);
    }

    public override string ToString() => Pid.ToString(CultureInfo.InvariantCulture);

    private static ulong? ReadStartTime(int pid) => TryReadStat(pid, out _, out ulong start) ? start : null;

    private static bool TryReadStat(int pid, out char state, out ulong startTime)
    {
        state = '?';
        startTime = 0;
        string text;
        try
        {
            text = Encoding.ASCII.GetString(File.ReadAllBytes("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/stat"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        // "pid (comm) S ppid …": comm may hold spaces and parentheses, so fields are counted after the last ')'.
        int close = text.LastIndexOf(')');
        if (close < 0 || close + 2 >= text.Length)
        {
            return false;
        }

        string[] fields = text[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state); field 22 (starttime) is fields[19].
        state = fields[0].Length > 0 ? fields[0][0] : '?';
        return fields.Length > 19 && ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out startTime);
    }
}
