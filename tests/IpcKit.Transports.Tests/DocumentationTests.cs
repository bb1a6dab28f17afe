using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using System.Xml.Linq;

namespace IpcKit.Transports.Tests;

/// <summary>
/// Every public type and member of IpcKit.Transports is documented. The compiler already enforces it (CS1591 with
/// GenerateDocumentationFile and TreatWarningsAsErrors); these tests make sure nobody switches that off, and check
/// the generated XML file itself, which is what the NuGet package ships.
/// </summary>
public sealed class DocumentationTests
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Fact]
    public void Missing_XML_documentation_is_a_build_error_that_nothing_suppresses()
    {
        string root = PublicApiTests.RepositoryRoot;
        string project = File.ReadAllText(Path.Combine(root, "src", "Transports", "IpcKit.Transports.csproj"));
        Assert.Contains("<GenerateDocumentationFile>true</GenerateDocumentationFile>", project, StringComparison.Ordinal);
        Assert.Contains("<TreatWarningsAsErrors>true</TreatWarningsAsErrors>", File.ReadAllText(Path.Combine(root, "Directory.Build.props")), StringComparison.Ordinal);

        var suppressing = new[] { Path.Combine(root, "Directory.Build.props"), Path.Combine(root, "Directory.Packages.props"), Path.Combine(root, ".editorconfig") }
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "src", "Transports"), "*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal) || f.EndsWith(".props", StringComparison.Ordinal) || f.EndsWith(".targets", StringComparison.Ordinal)))
            .Where(File.Exists)
            .Where(f => File.ReadAllText(f).Contains("1591", StringComparison.Ordinal))
            .ToList();
        Assert.True(suppressing.Count == 0, "CS1591 (missing XML comment) is mentioned, and so maybe suppressed, in: " + string.Join(", ", suppressing));
    }

    [Fact]
    public void Every_public_type_and_member_has_a_summary_in_the_XML_file()
    {
        Assembly assembly = typeof(Endpoint).Assembly;
        string xmlPath = Path.ChangeExtension(assembly.Location, ".xml");
        Assert.True(File.Exists(xmlPath), $"{xmlPath} was not generated.");
        var documented = XDocument.Load(xmlPath).Descendants("member")
            .Where(m => (m.Element("summary") is { } s && s.Value.Trim().Length > 0) || m.Element("inheritdoc") is not null)
            .Select(m => (string)m.Attribute("name")!)
            .ToHashSet(StringComparer.Ordinal);

        var missing = new List<string>();
        foreach (Type type in assembly.GetExportedTypes())
        {
            Check(DocId(type), documented, missing);
            bool record = type.GetMethod("<Clone>$", Declared) is not null || type.IsValueType;
            foreach (MemberInfo member in type.GetMembers(Declared))
            {
                if (IsVisible(member) && !member.Name.Contains('<', StringComparison.Ordinal) && !IsGenerated(member, record) && DocId(member) is { } id)
                {
                    Check(id, documented, missing);
                }
            }
        }

        Assert.True(missing.Count == 0, "Public API without a <summary> in IpcKit.Transports.xml:\n" + string.Join('\n', missing));
    }

    private static void Check(string id, HashSet<string> documented, List<string> missing)
    {
        if (!documented.Contains(id))
        {
            missing.Add(id);
        }
    }

    private static bool IsVisible(MemberInfo member) => member switch
    {
        MethodBase m => !m.IsSpecialName || m.Name.StartsWith("op_", StringComparison.Ordinal) || m is ConstructorInfo
            ? (m.IsPublic || ((m.IsFamily || m.IsFamilyOrAssembly) && !m.DeclaringType!.IsSealed)) && !(m.IsStatic && m is ConstructorInfo)
            : false,
        PropertyInfo p => p.GetAccessors(nonPublic: true).Any(a => a.IsPublic || ((a.IsFamily || a.IsFamilyOrAssembly) && !a.DeclaringType!.IsSealed)),
        FieldInfo f => f.IsPublic || ((f.IsFamily || f.IsFamilyOrAssembly) && !f.DeclaringType!.IsSealed),
        EventInfo e => e.AddMethod is { IsPublic: true },
        _ => false, // nested types are listed by GetExportedTypes
    };

    /// <summary>
    /// Members the compiler writes, which need no comment of their own: those of records and record structs, an enum's
    /// value__ field, and implicit parameterless constructors (reflection cannot tell those from explicit ones, which
    /// CS1591 covers anyway).
    /// </summary>
    private static bool IsGenerated(MemberInfo member, bool record) =>
        member.IsDefined(typeof(CompilerGeneratedAttribute))
        || member is FieldInfo { IsSpecialName: true }
        || member is ConstructorInfo { IsStatic: false } ctor && ctor.GetParameters().Length == 0
        || (record && member is MethodInfo { Name: "Deconstruct" or "Equals" or "GetHashCode" or "ToString" or "op_Equality" or "op_Inequality" or "PrintMembers" })
        || (record && member is ConstructorInfo c && c.GetParameters() is [{ } only] && only.ParameterType == c.DeclaringType);

    /// <summary>The ID the C# compiler gives a type in the XML documentation file (ECMA-334 annex D).</summary>
    private static string DocId(Type type) => "T:" + TypeId(type);

    private static string? DocId(MemberInfo member)
    {
        string owner = TypeId(member.DeclaringType!);
        switch (member)
        {
            case ConstructorInfo c:
                return $"M:{owner}.#ctor{ParameterList(c.GetParameters())}";
            case MethodInfo m:
                string arity = m.IsGenericMethodDefinition ? "``" + m.GetGenericArguments().Length : "";
                string conversion = m.Name is "op_Implicit" or "op_Explicit" ? "~" + ParameterType(m.ReturnType) : "";
                return $"M:{owner}.{m.Name}{arity}{ParameterList(m.GetParameters())}{conversion}";
            case PropertyInfo p:
                return $"P:{owner}.{p.Name}{ParameterList(p.GetIndexParameters())}";
            case FieldInfo f:
                return $"F:{owner}.{f.Name}";
            case EventInfo e:
                return $"E:{owner}.{e.Name}";
            default:
                return null;
        }
    }

    private static string TypeId(Type type) =>
        type.IsNested ? TypeId(type.DeclaringType!) + "." + type.Name : type.Namespace + "." + type.Name;

    private static string ParameterList(ParameterInfo[] parameters) =>
        parameters.Length == 0 ? "" : "(" + string.Join(",", parameters.Select(p => ParameterType(p.ParameterType))) + ")";

    private static string ParameterType(Type type)
    {
        if (type.IsGenericParameter)
        {
            return (type.DeclaringMethod is null ? "`" : "``") + type.GenericParameterPosition;
        }

        if (type.IsByRef)
        {
            return ParameterType(type.GetElementType()!) + "@";
        }

        if (type.IsPointer)
        {
            return ParameterType(type.GetElementType()!) + "*";
        }

        if (type.IsArray)
        {
            return ParameterType(type.GetElementType()!) + (type.GetArrayRank() == 1 ? "[]" : "[" + string.Join(",", Enumerable.Repeat("0:", type.GetArrayRank())) + "]");
        }

        if (!type.IsGenericType)
        {
            return TypeId(type);
        }

        Type definition = type.GetGenericTypeDefinition();
        var sb = new StringBuilder();
        sb.Append(definition.IsNested ? TypeId(definition.DeclaringType!) + "." : definition.Namespace + ".");
        sb.Append(definition.Name.AsSpan(0, definition.Name.IndexOf('`', StringComparison.Ordinal)));
        sb.Append('{').AppendJoin(",", type.GetGenericArguments().Select(ParameterType)).Append('}');
        return sb.ToString();
    }
}
