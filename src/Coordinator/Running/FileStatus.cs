using System.Runtime.InteropServices;

namespace IpcKit.Coordinator.Running;

/// <summary>What kind of file system entry a path names, without following a symbolic link.</summary>
internal enum FileKind
{
    Other,
    RegularFile,
    Directory,
    SymbolicLink,
    Socket,
    Fifo,
}

/// <summary>
/// The type and owner of a path as <c>statx(AT_SYMLINK_NOFOLLOW)</c> reports them: what the stale-run sweep needs to prove
/// that IpcKit made an entry before removing it. .NET tells neither a file's owner nor (for a dangling or directory
/// link) its type reliably, so this is one of the few libc calls written by hand; <c>struct statx</c> has the same
/// layout on every architecture, unlike <c>struct stat</c>.
/// </summary>
internal readonly partial record struct FileStatus(FileKind Kind, uint Owner, int Mode)
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const uint StatxMode = 0x2;
    private const uint StatxUid = 0x8;

    /// <summary>The effective user id of this process: who owns what it creates.</summary>
    public static uint CurrentUser { get; } = GetEffectiveUserId();

    /// <summary>True when the entry belongs to the user this process runs as.</summary>
    public bool IsOurs => Owner == CurrentUser;

    /// <summary>The status of the entry at <paramref name="path"/> itself (a link is reported as a link), or null when nothing is there.</summary>
    public static FileStatus? Of(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType | StatxMode | StatxUid, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return null;
        }

        // struct statx: stx_uid at byte 20, stx_mode (16 bits) at byte 28.
        uint owner = MemoryMarshal.Read<uint>(buffer[20..]);
        int mode = MemoryMarshal.Read<ushort>(buffer[28..]);
        var kind = (mode & 0xF000) switch
        {
            0x8000 => FileKind.RegularFile,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.SymbolicLink,
            0xC000 => FileKind.Socket,
            0x1000 => FileKind.Fifo,
            _ => FileKind.Other,
        };
        return new FileStatus(kind, owner, mode & 0xFFF);
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}
