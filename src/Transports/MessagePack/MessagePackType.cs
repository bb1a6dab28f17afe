namespace IpcKit.Transports.MessagePack;

#pragma warning disable CA1720 // The members are the family names of the MessagePack specification.

/// <summary>The family of the next MessagePack value, as told by its first byte (see <see cref="MessagePackReader.NextType"/>).</summary>
public enum MessagePackType
{
    /// <summary>The byte 0xc1, which the specification never uses; reading it fails with <see cref="MessagePackException"/>.</summary>
    Unknown = 0,

    /// <summary>nil (0xc0).</summary>
    Nil,

    /// <summary>true or false.</summary>
    Boolean,

    /// <summary>Any integer form: positive or negative fixint, uint8–uint64, int8–int64.</summary>
    Integer,

    /// <summary>float32 or float64.</summary>
    Float,

    /// <summary>fixstr, str8, str16 or str32 (UTF-8 text).</summary>
    String,

    /// <summary>bin8, bin16 or bin32 (opaque bytes).</summary>
    Binary,

    /// <summary>fixarray, array16 or array32.</summary>
    Array,

    /// <summary>fixmap, map16 or map32.</summary>
    Map,

    /// <summary>fixext1–fixext16 or ext8–ext32, including timestamps (type -1).</summary>
    Extension,
}
