using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace IpcKit.Transports.Tests;

/// <summary>
/// Lists the public surface of an assembly — every type and member a caller outside it can see (public, or protected in
/// an unsealed public type) — one line each, in C#-like notation with nullability, sorted so that the text only changes
/// when the API does. Stands in for Microsoft.CodeAnalysis.PublicApiAnalyzers, which is not available offline here.
/// </summary>
/// <remarks>
/// Line prefixes: <c>T:</c> type, <c>C:</c> constructor, <c>M:</c> method or operator, <c>P:</c> property or indexer,
/// <c>F:</c> field or enum value, <c>E:</c> event. Members the compiler made up (names with '&lt;', such as a record's
/// <c>&lt;Clone&gt;$</c>) are left out; accessors appear on their property or event line.
/// </remarks>
internal static class PublicApi
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    public static IReadOnlyList<string> Describe(Assembly assembly)
    {
        var blocks = new List<(string Name, List<string> Lines)>();
        foreach (Type type in VisibleTypes(assembly))
        {
            var members = new List<string>();
            DescribeMembers(type, members);
            members.Sort(StringComparer.Ordinal);
            blocks.Add((TypeName(type), [DescribeType(type), .. members]));
        }

        blocks.Sort((a, b) => StringComparer.Ordinal.Compare(a.Name, b.Name));
        var lines = new List<string>();
        foreach (var (_, block) in blocks)
        {
            if (lines.Count > 0)
            {
                lines.Add("");
            }

            lines.AddRange(block);
        }

        return lines;
    }

    private static IEnumerable<Type> VisibleTypes(Assembly assembly)
    {
        var pending = new Stack<Type>(assembly.GetTypes().Where(t => t.IsPublic));
        while (pending.TryPop(out Type? type))
        {
            if (type.Name.Contains('<', StringComparison.Ordinal))
            {
                continue;
            }

            yield return type;
            foreach (Type nested in type.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic))
            {
                if (nested.IsNestedPublic || (!type.IsSealed && (nested.IsNestedFamily || nested.IsNestedFamORAssem)))
                {
                    pending.Push(nested);
                }
            }
        }
    }

    private static string DescribeType(Type type)
    {
        var sb = new StringBuilder("T:").Append(TypeName(type)).Append(' ').Append(Kind(type));
        var bases = new List<string>();
        if (type.IsEnum)
        {
            bases.Add(Format(Enum.GetUnderlyingType(type)));
        }
        else if (!type.IsInterface && !type.IsValueType && type.BaseType is { } b && b != typeof(object) && !typeof(Delegate).IsAssignableFrom(type))
        {
            bases.Add(Format(b));
        }

        if (!typeof(Delegate).IsAssignableFrom(type) && !type.IsEnum)
        {
            // Only the interfaces this type adds: not those of its base class, nor those implied by another listed one.
            var own = type.GetInterfaces().Where(i => i.IsPublic || i.IsNestedPublic).Except(type.BaseType?.GetInterfaces() ?? []).ToList();
            var implied = own.SelectMany(i => i.GetInterfaces()).ToHashSet();
            bases.AddRange(own.Where(i => !implied.Contains(i)).Select(i => Format(i)).Order(StringComparer.Ordinal));
        }

        if (bases.Count > 0)
        {
            sb.Append(" : ").AppendJoin(", ", bases);
        }

        if (typeof(Delegate).IsAssignableFrom(type) && type != typeof(Delegate) && type.GetMethod("Invoke") is { } invoke)
        {
            sb.Append(" = ").Append(Signature(invoke, "Invoke"));
        }

        sb.Append(Constraints(type.IsGenericTypeDefinition ? type.GetGenericArguments() : []));
        return sb.ToString();
    }

    private static string Kind(Type type)
    {
        if (type.IsInterface) return "interface";
        if (type.IsEnum) return type.IsDefined(typeof(FlagsAttribute)) ? "[Flags] enum" : "enum";
        if (typeof(Delegate).IsAssignableFrom(type)) return "delegate";
        bool record = type.GetMethod("<Clone>$", Declared) is not null
                      || (type.IsValueType && type.GetMethod("PrintMembers", Declared) is { } pm && pm.IsDefined(typeof(CompilerGeneratedAttribute)));
        if (type.IsValueType)
        {
            string s = (type.IsByRefLike ? "ref " : "") + (record ? "record struct" : "struct");
            return type.IsDefined(typeof(IsReadOnlyAttribute)) ? "readonly " + s : s;
        }

        string kind = record ? "record" : "class";
        if (type.IsAbstract && type.IsSealed) return "static " + kind;
        if (type.IsAbstract) return "abstract " + kind;
        return type.IsSealed ? "sealed " + kind : kind;
    }

    private static void DescribeMembers(Type type, List<string> lines)
    {
        string owner = TypeName(type);
        var accessors = new HashSet<MethodInfo>();
        foreach (PropertyInfo p in type.GetProperties(Declared))
        {
            accessors.UnionWith(p.GetAccessors(nonPublic: true));
            var visible = p.GetAccessors(nonPublic: true).Where(IsVisible).ToList();
            if (visible.Count == 0 || p.Name.Contains('<', StringComparison.Ordinal))
            {
                continue;
            }

            var nullability = new NullabilityInfoContext().Create(p);
            string indexer = p.GetIndexParameters() is { Length: > 0 } ip ? "[" + Parameters(ip) + "]" : "";
            var parts = new List<string>();
            if (p.GetMethod is { } g && IsVisible(g)) parts.Add(Access(g) + "get;");
            if (p.SetMethod is { } s && IsVisible(s)) parts.Add(Access(s) + (IsInitOnly(s) ? "init;" : "set;"));
            lines.Add($"P:{owner}.{p.Name}{indexer} -> {Format(p.PropertyType, nullability)} {{ {string.Join(' ', parts)} }}{Modifiers(visible[0], type)}");
        }

        foreach (EventInfo e in type.GetEvents(Declared))
        {
            accessors.UnionWith(new[] { e.AddMethod, e.RemoveMethod }.OfType<MethodInfo>());
            if (e.AddMethod is { } add && IsVisible(add))
            {
                lines.Add($"E:{owner}.{e.Name} -> {Format(e.EventHandlerType!, new NullabilityInfoContext().Create(e))}{Modifiers(add, type)}");
            }
        }

        foreach (FieldInfo f in type.GetFields(Declared))
        {
            if (!(f.IsPublic || ((f.IsFamily || f.IsFamilyOrAssembly) && !type.IsSealed)) || f.Name.Contains('<', StringComparison.Ordinal) || f.IsSpecialName)
            {
                continue;
            }

            string value = f.IsLiteral ? " = " + Literal(f.GetRawConstantValue()) : "";
            string mods = type.IsEnum ? "" : (f.IsLiteral ? " const" : (f.IsStatic ? " static" : "") + (f.IsInitOnly ? " readonly" : ""));
            string access = f.IsPublic ? "" : "protected ";
            lines.Add($"F:{owner}.{f.Name} -> {access}{Format(f.FieldType, new NullabilityInfoContext().Create(f))}{value}{mods}");
        }

        foreach (ConstructorInfo c in type.GetConstructors(Declared))
        {
            if (IsVisible(c) && !c.IsStatic && !(type.IsAbstract && type.IsSealed))
            {
                lines.Add($"C:{owner}.#ctor({Parameters(c.GetParameters())}){(c.IsPublic ? "" : " protected")}");
            }
        }

        foreach (MethodInfo m in type.GetMethods(Declared))
        {
            if (IsVisible(m) && !accessors.Contains(m) && !m.Name.Contains('<', StringComparison.Ordinal))
            {
                lines.Add("M:" + owner + "." + Signature(m, m.Name) + Modifiers(m, type));
            }
        }
    }

    private static string Signature(MethodInfo m, string name)
    {
        string generics = m.IsGenericMethodDefinition ? "<" + string.Join(", ", m.GetGenericArguments().Select(a => a.Name)) + ">" : "";
        bool extension = m.IsDefined(typeof(ExtensionAttribute));
        string ret = Format(m.ReturnType, new NullabilityInfoContext().Create(m.ReturnParameter));
        return $"{name}{generics}({(extension ? "this " : "")}{Parameters(m.GetParameters())}) -> {ret}{Constraints(m.IsGenericMethodDefinition ? m.GetGenericArguments() : [])}";
    }

    private static string Parameters(ParameterInfo[] parameters) => string.Join(", ", parameters.Select(p =>
    {
        var nullability = new NullabilityInfoContext().Create(p);
        Type t = p.ParameterType;
        string prefix = "";
        if (t.IsByRef)
        {
            prefix = p.IsOut ? "out " : p.IsIn ? "in " : p.IsDefined(typeof(ScopedRefAttribute)) ? "scoped ref " : "ref ";
            t = t.GetElementType()!;
        }
        else if (p.IsDefined(typeof(ScopedRefAttribute)))
        {
            prefix = "scoped ";
        }

        if (p.IsDefined(typeof(ParamArrayAttribute)))
        {
            prefix = "params " + prefix;
        }

        string text = prefix + Format(t, nullability) + " " + p.Name;
        bool defaultStruct = p.HasDefaultValue && p.RawDefaultValue is null && t.IsValueType && Nullable.GetUnderlyingType(t) is null;
        return defaultStruct || (p.IsOptional && !p.HasDefaultValue) ? text + " = default"
            : p.HasDefaultValue ? text + " = " + Literal(p.RawDefaultValue) : text;
    }));

    private static string Constraints(Type[] arguments)
    {
        var sb = new StringBuilder();
        foreach (Type a in arguments)
        {
            var parts = new List<string>();
            var attrs = a.GenericParameterAttributes;
            if (attrs.HasFlag(GenericParameterAttributes.ReferenceTypeConstraint)) parts.Add("class");
            if (attrs.HasFlag(GenericParameterAttributes.NotNullableValueTypeConstraint)) parts.Add(a.GetCustomAttributes().Any(x => x.GetType().Name == "IsUnmanagedAttribute") ? "unmanaged" : "struct");
            parts.AddRange(a.GetGenericParameterConstraints().Where(c => c != typeof(ValueType)).Select(c => Format(c)).Order(StringComparer.Ordinal));
            if (attrs.HasFlag(GenericParameterAttributes.DefaultConstructorConstraint) && !attrs.HasFlag(GenericParameterAttributes.NotNullableValueTypeConstraint)) parts.Add("new()");
            if (attrs.HasFlag((GenericParameterAttributes)0x20 /* AllowByRefLike */)) parts.Add("allows ref struct");
            if (parts.Count > 0)
            {
                sb.Append(" where ").Append(a.Name).Append(" : ").AppendJoin(", ", parts);
            }
        }

        return sb.ToString();
    }

    private static string Modifiers(MethodBase m, Type owner)
    {
        var mods = new List<string>();
        if (!m.IsPublic) mods.Add("protected");
        if (m.IsStatic) mods.Add("static");
        else if (!owner.IsInterface && m is MethodInfo mi)
        {
            bool overrides = mi.GetBaseDefinition().DeclaringType != mi.DeclaringType;
            if (overrides) mods.Add(mi.IsFinal ? "sealed override" : "override");
            else if (mi.IsAbstract) mods.Add("abstract");
            else if (mi.IsVirtual && !mi.IsFinal) mods.Add("virtual");
        }

        return mods.Count > 0 ? " " + string.Join(' ', mods) : "";
    }

    private static bool IsVisible(MethodBase m) =>
        m.IsPublic || ((m.IsFamily || m.IsFamilyOrAssembly) && !m.DeclaringType!.IsSealed);

    private static string Access(MethodInfo accessor) => accessor.IsPublic ? "" : "protected ";

    private static bool IsInitOnly(MethodInfo setter) =>
        setter.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit));

    private static string TypeName(Type type) =>
        type.IsNested ? TypeName(type.DeclaringType!) + "." + Plain(type) : (type.Namespace is { } ns ? ns + "." : "") + Plain(type);

    private static string Plain(Type type)
    {
        int tick = type.Name.IndexOf('`', StringComparison.Ordinal);
        if (tick < 0)
        {
            return type.Name;
        }

        // Only the arguments this type adds to those of the type it is nested in.
        int inherited = type.IsNested ? type.DeclaringType!.GetGenericArguments().Length : 0;
        return type.Name[..tick] + "<" + string.Join(", ", type.GetGenericArguments().Skip(inherited).Select(a => a.Name)) + ">";
    }

    /// <summary>A type as C# would write it, with <c>?</c> where the nullable annotations say a reference may be null.</summary>
    internal static string Format(Type type, NullabilityInfo? nullability = null)
    {
        if (type.IsGenericParameter)
        {
            // Reflection reports an unconstrained T as nullable whether or not the source says T?, so say nothing.
            return type.Name;
        }

        if (type.IsByRef || type.IsPointer)
        {
            return Format(type.GetElementType()!) + (type.IsByRef ? "&" : "*");
        }

        if (type.IsArray)
        {
            string rank = type.GetArrayRank() == 1 ? "[]" : "[" + new string(',', type.GetArrayRank() - 1) + "]";
            return Format(type.GetElementType()!, nullability?.ElementType) + rank + Q(type, nullability);
        }

        if (Nullable.GetUnderlyingType(type) is { } inner)
        {
            return Format(inner, nullability?.GenericTypeArguments.FirstOrDefault()) + "?";
        }

        if (!type.IsGenericType)
        {
            return (type.IsNested ? TypeName(type.DeclaringType!) + "." + type.Name : type.FullName ?? type.Name) + Q(type, nullability);
        }

        Type definition = type.GetGenericTypeDefinition();
        Type[] args = type.GetGenericArguments();
        string name = (definition.IsNested ? TypeName(definition.DeclaringType!) + "." : definition.Namespace + ".") + definition.Name[..definition.Name.IndexOf('`', StringComparison.Ordinal)];
        var formatted = args.Select((a, i) => Format(a, nullability is { } n && i < n.GenericTypeArguments.Length ? n.GenericTypeArguments[i] : null));
        return name + "<" + string.Join(", ", formatted) + ">" + Q(type, nullability);
    }

    private static string Q(Type type, NullabilityInfo? nullability) =>
        !type.IsValueType && nullability?.ReadState == NullabilityState.Nullable ? "?" : "";

    private static string Literal(object? value) => value switch
    {
        null => "null",
        string s => "\"" + s + "\"",
        bool b => b ? "true" : "false",
        char c => "'" + c + "'",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
