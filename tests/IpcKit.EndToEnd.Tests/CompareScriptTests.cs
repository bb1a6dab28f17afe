namespace IpcKit.EndToEnd.Tests;

/// <summary>
/// scripts/compare.sh in A/B mode (IPCKIT_BASE_REF): what it refuses before it builds or measures anything. A whole A/B
/// run builds the base in a worktree and benches both sides for minutes, too long for the suite; README ("In CI") has
/// the figures of such runs.
/// </summary>
public sealed class CompareScriptTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly string _dir = Directory.CreateTempSubdirectory("ipckit-compare-sh-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_base_ref_the_clone_does_not_have_is_refused_with_a_hint_to_fetch_it_before_anything_is_made()
    {
        string root = Root();
        string before = await Worktrees(root);
        string outdir = Path.Combine(_dir, "out");
        string missing = $"refs/heads/ipckit-no-such-branch-{Guid.NewGuid():N}";

        var run = await Script(outdir, new() { ["IPCKIT_BASE_REF"] = missing });

        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}\n{run.Stderr}");
        if (before.Length > 0)
        {
            Assert.Contains($"IPCKIT_BASE_REF={missing} does not name a commit in this clone. Fetch it first", run.Stderr, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("needs a git checkout", run.Stderr, StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(outdir), "OUTDIR was made although the base was refused");
        // Other checkouts of the repository may add worktrees meanwhile: only one of this test's own would be its doing.
        Assert.DoesNotContain(_dir, await Worktrees(root), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_number_of_rounds_that_is_not_one_or_more_is_refused()
    {
        string outdir = Path.Combine(_dir, "out");
        var run = await Script(outdir, new() { ["IPCKIT_BASE_REF"] = "HEAD", ["IPCKIT_ROUNDS"] = "0" });

        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}\n{run.Stderr}");
        Assert.Contains("IPCKIT_ROUNDS must be a whole number of rounds, 1 or more (it is '0')", run.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outdir));
    }

    [Fact]
    public async Task An_output_directory_of_the_users_is_refused_and_left_as_it_was()
    {
        // compare.sh empties OUTDIR before it runs; a directory it did not make must not lose what is in it.
        string outdir = Path.Combine(_dir, "mine");
        Directory.CreateDirectory(Path.Combine(outdir, "sub"));
        File.WriteAllText(Path.Combine(outdir, "sub", "notes.txt"), "keep");

        var run = await Script(outdir, []);

        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}\n{run.Stderr}");
        Assert.Contains($"OUTDIR {outdir} is not empty and was not made by compare.sh", run.Stderr, StringComparison.Ordinal);
        Assert.Equal("keep", File.ReadAllText(Path.Combine(outdir, "sub", "notes.txt")));
        Assert.Equal(["sub"], Directory.EnumerateFileSystemEntries(outdir).Select(Path.GetFileName));
    }

    private static Task<ProgramRun> Script(string outdir, Dictionary<string, string?> environment) =>
        ProgramRun.RunAsync("bash", [Path.Combine(Root(), "scripts", "compare.sh"), outdir], Deadline, environment: environment);

    /// <summary>`git worktree list --porcelain` of the repository; empty when the sources are not a git checkout.</summary>
    private static async Task<string> Worktrees(string root)
    {
        var run = await ProgramRun.RunAsync("git", ["-C", root, "worktree", "list", "--porcelain"], Deadline);
        return run.ExitCode == 0 ? run.Stdout : "";
    }

    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "IpcKit.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"IpcKit.sln was not found above {AppContext.BaseDirectory}.");
    }
}
