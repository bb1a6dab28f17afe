using System.Xml.Linq;

namespace IpcKit.Coordinator.Tests;

/// <summary>Each output format, produced from a fixed result model, is exactly its committed snapshot — in any culture.</summary>
public sealed class ExporterSnapshotTests
{
    public static TheoryData<string, string> Cases => Outputs.All();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_format_matches_its_snapshot(string report, string format)
    {
        string output = Outputs.InCulture("en-US", () => Outputs.Formats[format](Outputs.Reports[report]()));
        Snapshot.Match($"{report}.{format}", output);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_format_is_the_same_under_a_German_culture(string report, string format)
    {
        string invariant = Outputs.InCulture("en-US", () => Outputs.Formats[format](Outputs.Reports[report]()));
        string german = Outputs.InCulture("de-DE", () => Outputs.Formats[format](Outputs.Reports[report]()));
        Assert.Equal(invariant, german);
    }

    [Theory]
    [InlineData("full")]
    [InlineData("minimal")]
    [InlineData("reference-missing")]
    public void Every_svg_chart_is_well_formed_xml(string report)
    {
        foreach (string format in Outputs.Formats.Keys.Where(f => f.EndsWith(".svg", StringComparison.Ordinal)))
        {
            string svg = Outputs.Formats[format](Outputs.Reports[report]());
            var doc = XDocument.Parse(svg);
            Assert.Equal(XName.Get("svg", "http://www.w3.org/2000/svg"), doc.Root!.Name);
            Assert.NotEmpty(doc.Root.Elements(XName.Get("title", "http://www.w3.org/2000/svg")));
        }
    }

    [Fact]
    public void Csv_has_a_header_and_one_row_per_result_with_invariant_numbers()
    {
        var report = SampleReports.Full();
        string csv = Outputs.InCulture("de-DE", () => Outputs.Formats["csv"](report));
        var lines = csv.TrimEnd('\n').Split('\n');
        Assert.StartsWith("transport,workload,messageSize,", lines[0], StringComparison.Ordinal);
        Assert.Equal(report.Results.Count + 1, lines.Length - CountQuotedNewlines(csv));
        Assert.Contains(",1.5,", Outputs.Formats["csv"](report with { Results = [SampleReports.Latency("pipe", 64, 1000) with { ElapsedSeconds = 1.5 }] }), StringComparison.Ordinal);
    }

    [Fact]
    public void The_html_report_is_one_file_with_no_script_and_nothing_fetched()
    {
        string html = Outputs.Formats["html"](SampleReports.Full());
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(3, html.Split("<svg ").Length - 1);
        Assert.Contains("default-src 'none'", html, StringComparison.Ordinal);
    }

    private static int CountQuotedNewlines(string csv)
    {
        int count = 0;
        bool quoted = false;
        foreach (char c in csv)
        {
            quoted ^= c == '"';
            count += quoted && c == '\n' ? 1 : 0;
        }

        return count;
    }
}
