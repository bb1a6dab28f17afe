using System.Text;

namespace IpcKit.Coordinator.Exporters;

/// <summary>
/// Where a run's outputs go: checked before anything is measured, so that a typo in a path costs a second, not the
/// run; and written whole or not at all. Every temporary file is created here with a name no other file has
/// (<see cref="FileMode.CreateNew"/>), so the only file ever deleted is one this process has just made.
/// </summary>
internal static class OutputFiles
{
    /// <summary>Why a file cannot be written at <paramref name="path"/>, or null when it can (as far as can be known now).</summary>
    public static string? CheckFile(string path)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            return $"{full} is a directory";
        }

        string directory = Path.GetDirectoryName(full)!;
        return Directory.Exists(directory) ? Probe(directory) : $"the directory {directory} does not exist";
    }

    /// <summary>
    /// Why files cannot be written under <paramref name="directory"/>, or null when they can. A directory that does not
    /// exist yet is fine if it can be created: its nearest existing ancestor must take new entries.
    /// </summary>
    public static string? CheckDirectory(string directory)
    {
        string full = Path.GetFullPath(directory);
        if (File.Exists(full))
        {
            return $"{full} is a file, not a directory";
        }

        string? existing = full;
        while (existing is not null && !Directory.Exists(existing))
        {
            if (File.Exists(existing))
            {
                return $"{existing} is a file, so no directory can be made under it";
            }

            existing = Path.GetDirectoryName(existing);
        }

        return existing is null ? $"no part of {full} exists" : Probe(existing);
    }

    /// <summary>Writes <paramref name="text"/> to a new temporary file next to <paramref name="path"/> and renames it over the target.</summary>
    /// <exception cref="IOException">The file could not be written; the target is as it was.</exception>
    /// <exception cref="UnauthorizedAccessException">The file could not be written; the target is as it was.</exception>
    public static void WriteWhole(string path, string text)
    {
        string temporary = TemporaryName(path);
        var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write); // throws before anything exists
        try
        {
            using (stream)
            {
                stream.Write(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text));
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            TryDelete(temporary); // made above with CreateNew: ours
            throw;
        }
    }

    private static string TemporaryName(string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");

    /// <summary>Creates and at once deletes a file of a name no other file has, which is what writing an output will need.</summary>
    private static string? Probe(string directory)
    {
        try
        {
            using var probe = new FileStream(
                Path.Combine(directory, $".ipckit-probe-{Environment.ProcessId}-{Guid.NewGuid():N}"),
                FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.DeleteOnClose);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot create files in {directory}: {e.Message}";
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
