using System.Runtime.CompilerServices;

namespace IpcKit.Coordinator.Tests;

/// <summary>
/// Compares output with a committed file under Snapshots/. Run with UPDATE_SNAPSHOTS=1 to (re)write the files instead,
/// then review the diff before committing it: a snapshot is only as good as the review it got.
/// </summary>
internal static class Snapshot
{
    public static bool Updating => Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1";

    /// <summary>
    /// The Snapshots folder in the source tree, found from this file's path at compile time; when the build mapped
    /// source paths away (a CI build with ContinuousIntegrationBuild), the copy in the output folder.
    /// </summary>
    public static string Directory([CallerFilePath] string thisFile = "")
    {
        string source = Path.Combine(Path.GetDirectoryName(thisFile) ?? "", "Snapshots");
        return System.IO.Directory.Exists(source) ? source : Path.Combine(AppContext.BaseDirectory, "Snapshots");
    }

    public static void Match(string name, string actual)
    {
        string path = Path.Combine(Directory(), name);
        if (Updating)
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
            return;
        }

        Assert.True(File.Exists(path), $"No snapshot {path}. Run the tests with UPDATE_SNAPSHOTS=1 to create it, and review it.");
        string expected = File.ReadAllText(path);
        if (expected != actual)
        {
            File.WriteAllText(path + ".received", actual);
            Assert.Fail($"{name} differs from its snapshot at line {FirstDifference(expected, actual)}; the output was written to {path}.received. " +
                        "If the change is intended, run the tests with UPDATE_SNAPSHOTS=1 and review the diff.");
        }
    }

    private static int FirstDifference(string expected, string actual)
    {
        string[] a = expected.Split('\n'), b = actual.Split('\n');
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            if (a[i] != b[i])
            {
                return i + 1;
            }
        }

        return Math.Min(a.Length, b.Length) + 1;
    }
}
