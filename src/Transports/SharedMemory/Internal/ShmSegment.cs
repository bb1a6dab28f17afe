using System.Buffers.Binary;
using IpcKit.Transports.Internal;
using Microsoft.Win32.SafeHandles;

namespace IpcKit.Transports.SharedMemory.Internal;

/// <summary>
/// A file in /dev/shm mapped shared and read-write. Created with O_EXCL and mode 0600, its blocks reserved before it
/// is mapped (so a full tmpfs fails here, never as SIGBUS later). Disposing unmaps it; removing the file is separate.
/// </summary>
internal sealed unsafe class ShmSegment : IDisposable
{
    private byte* _base;

    private ShmSegment(string path, byte* address, long length)
    {
        Path = path;
        _base = address;
        Length = length;
    }

    public string Path { get; }

    public long Length { get; }

    public byte* Base => _base != null ? _base : throw new ObjectDisposedException(nameof(ShmSegment));

    /// <summary>Creates, reserves and maps a new file; null when the path exists already.</summary>
    /// <exception cref="IpcException">The space cannot be reserved or mapped; nothing is left behind.</exception>
    public static ShmSegment? TryCreate(string path, long length, string what)
    {
        FileStream stream;
        try
        {
            // O_CREAT|O_EXCL with mode 0600: never open someone else's file, and nobody else may open ours.
            stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.ReadWrite,
                Share = FileShare.ReadWrite,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IpcException($"Cannot create the shared-memory file '{path}' for {what}: {e.Message}", e);
        }

        using (stream)
        {
            SafeFileHandle file = stream.SafeFileHandle;
            int error = Libc.Reserve(file, length);
            if (error != 0)
            {
                Unlink(path);
                throw new IpcException(
                    $"Cannot reserve {ByteSize.Format(length)} in {System.IO.Path.GetDirectoryName(path)} for {what} ({Describe(error)}). " +
                    "Free space there, or choose a smaller capacity.");
            }

            byte* address = Libc.MapShared(file, length, out error);
            if (address == null)
            {
                Unlink(path);
                throw new IpcException($"Cannot map the shared-memory file '{path}' for {what} ({Describe(error)}).");
            }

            return new ShmSegment(path, address, length);
        }
    }

    /// <summary>Maps an existing file whole; null when it does not exist or is smaller than <paramref name="minLength"/>.</summary>
    public static ShmSegment? TryOpen(string path, long minLength) => TryOpen(path, minLength, out _);

    /// <summary>Maps an existing file whole; null, with the reason, when it cannot.</summary>
    public static ShmSegment? TryOpen(string path, long minLength, out OpenFailure failure)
    {
        try
        {
            using var file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            long length = RandomAccess.GetLength(file);
            if (length < minLength)
            {
                failure = length == 0 ? OpenFailure.Empty : OpenFailure.TooShort;
                return null;
            }

            byte* address = Libc.MapShared(file, length, out _);
            failure = address == null ? OpenFailure.Missing : OpenFailure.None;
            return address == null ? null : new ShmSegment(path, address, length);
        }
        catch (UnauthorizedAccessException)
        {
            failure = OpenFailure.Denied;
            return null;
        }
        catch (IOException)
        {
            failure = OpenFailure.Missing;
            return null;
        }
    }

    /// <summary>The creator's identity and the header state, read without mapping; null when the header is not there yet.</summary>
    public static (ulong Magic, uint State, ProcessIdentity Owner)? PeekHeader(string path) =>
        Peek(path) is { Kind: HeaderKind.IpcKit } h ? (h.Magic, h.State, h.Owner) : null;

    /// <summary>What the header of a file says, read without mapping it.</summary>
    public static Header Peek(string path)
    {
        Span<byte> header = stackalloc byte[SegmentLayout.CommonHeaderSize];
        try
        {
            using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            if (RandomAccess.Read(file, header, 0) < header.Length)
            {
                return new Header(HeaderKind.Incomplete, 0, 0, default);
            }
        }
        catch (UnauthorizedAccessException)
        {
            return new Header(HeaderKind.Unreadable, 0, 0, default);
        }
        catch (IOException)
        {
            return new Header(HeaderKind.Missing, 0, 0, default);
        }

        ulong magic = BinaryPrimitives.ReadUInt64LittleEndian(header);
        var owner = new ProcessIdentity(
            BinaryPrimitives.ReadInt32LittleEndian(header[SegmentLayout.OwnerPid..]),
            BinaryPrimitives.ReadUInt64LittleEndian(header[SegmentLayout.OwnerStart..]));
        var kind = magic == 0 ? HeaderKind.Incomplete
            : magic != SegmentLayout.ListenerMagic && magic != SegmentLayout.ConnectionMagic ? HeaderKind.Foreign
            : owner.Pid == 0 ? HeaderKind.Incomplete
            : HeaderKind.IpcKit;
        return new Header(kind, magic, BinaryPrimitives.ReadUInt32LittleEndian(header[SegmentLayout.State..]), owner);
    }

    /// <summary>Removes the file; false, with the reason, when it cannot (it is gone already: true).</summary>
    public static bool TryUnlink(string path, out string? error)
    {
        try
        {
            File.Delete(path);
            error = null;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>Removes the file if it is there. Mappings stay valid; the memory goes with the last one.</summary>
    public static void Unlink(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    public void Dispose()
    {
        if (_base != null)
        {
            Libc.Unmap(_base, Length);
            _base = null;
        }
    }

    private static string Describe(int errno) => errno switch
    {
        28 => "no space left on the device: ENOSPC",
        27 => "file too large: EFBIG",
        12 => "out of memory: ENOMEM",
        _ => $"errno {errno}",
    };
}

/// <summary>Why <see cref="ShmSegment.TryOpen(string, long, out OpenFailure)"/> returned null.</summary>
internal enum OpenFailure
{
    None,
    Missing,
    Empty,
    TooShort,
    Denied,
}

/// <summary>What kind of file a header belongs to.</summary>
internal enum HeaderKind
{
    /// <summary>No file there (any more).</summary>
    Missing,

    /// <summary>This user may not read it.</summary>
    Unreadable,

    /// <summary>Shorter than a header, or its magic or owner not written yet: being created, or left half-made by a crash.</summary>
    Incomplete,

    /// <summary>Something else under IpcKit's name: its first bytes are not an IpcKit magic.</summary>
    Foreign,

    /// <summary>An IpcKit listener or connection file with its owner written.</summary>
    IpcKit,
}

/// <summary>The common header of a file, as far as it could be read.</summary>
internal readonly record struct Header(HeaderKind Kind, ulong Magic, uint State, ProcessIdentity Owner);
