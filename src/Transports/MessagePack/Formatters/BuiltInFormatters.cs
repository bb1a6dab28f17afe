namespace IpcKit.Transports.MessagePack.Formatters;

/// <summary>Finds the built-in formatter for a type, from the static type alone (never from anything on the wire).</summary>
internal static class BuiltInFormatters
{
    private static readonly Dictionary<Type, object> Primitives = new()
    {
        [typeof(sbyte)] = SByteFormatter.Instance,
        [typeof(short)] = Int16Formatter.Instance,
        [typeof(int)] = Int32Formatter.Instance,
        [typeof(long)] = Int64Formatter.Instance,
        [typeof(byte)] = ByteFormatter.Instance,
        [typeof(ushort)] = UInt16Formatter.Instance,
        [typeof(uint)] = UInt32Formatter.Instance,
        [typeof(ulong)] = UInt64Formatter.Instance,
        [typeof(bool)] = BooleanFormatter.Instance,
        [typeof(float)] = SingleFormatter.Instance,
        [typeof(double)] = DoubleFormatter.Instance,
        [typeof(string)] = StringFormatter.Instance,
        [typeof(byte[])] = ByteArrayFormatter.Instance,
        [typeof(DateTime)] = DateTimeFormatter.Instance,
        [typeof(DateTimeOffset)] = DateTimeOffsetFormatter.Instance,
        [typeof(Guid)] = GuidFormatter.Instance,
    };

    /// <summary>The built-in formatter for <paramref name="type"/>, or null when there is none.</summary>
    public static object? Create(Type type)
    {
        if (Primitives.TryGetValue(type, out object? primitive))
        {
            return primitive;
        }

        Type? generic = type switch
        {
            { IsSZArray: true } => typeof(ArrayFormatter<>).MakeGenericType(type.GetElementType()!),
            { IsEnum: true } => typeof(EnumFormatter<>).MakeGenericType(type),
            { IsGenericType: true } when type.GetGenericTypeDefinition() == typeof(List<>) =>
                typeof(ListFormatter<>).MakeGenericType(type.GetGenericArguments()),
            { IsGenericType: true } when type.GetGenericTypeDefinition() == typeof(Dictionary<,>) =>
                typeof(DictionaryFormatter<,>).MakeGenericType(type.GetGenericArguments()),
            { IsGenericType: true } when type.GetGenericTypeDefinition() == typeof(Nullable<>) =>
                typeof(NullableFormatter<>).MakeGenericType(type.GetGenericArguments()),
            _ => null,
        };
        return generic is null ? null : Activator.CreateInstance(generic);
    }
}
