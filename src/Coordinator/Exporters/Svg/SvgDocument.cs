using System.Globalization;
using System.Security;
using System.Text;

namespace IpcKit.Coordinator.Exporters.Svg;

/// <summary>
/// A tiny hand-written SVG writer: elements are appended as text, every attribute and text escaped, every number
/// written in the invariant culture with at most two decimals. No ids, so several documents can be inlined in one
/// HTML page without clashing; no scripts, no external references.
/// </summary>
internal sealed class SvgDocument
{
    public const string Font = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif";

    private readonly StringBuilder _svg = new();

    public SvgDocument(double width, double height, string title, string description)
    {
        Width = width;
        Height = height;
        _svg.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{N(width)}\" height=\"{N(height)}\" viewBox=\"0 0 {N(width)} {N(height)}\" role=\"img\" font-family=\"{Escape(Font)}\" font-size=\"12\">\n");
        _svg.Append("<title>").Append(Escape(title)).Append("</title>\n");
        _svg.Append("<desc>").Append(Escape(description)).Append("</desc>\n");
        Rect(0, 0, width, height, "#ffffff");
        Text(16, 24, title, size: 15, weight: "bold");
    }

    public double Width { get; }

    public double Height { get; }

    /// <summary>Writes a number the way SVG reads it: '.' as decimal point, at most two decimals, no exponent.</summary>
    public static string N(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);

    public static string Escape(string text) => SecurityElement.Escape(text) ?? "";

    public void Rect(double x, double y, double width, double height, string fill, string? tooltip = null, double opacity = 1)
    {
        _svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{N(x)}\" y=\"{N(y)}\" width=\"{N(Math.Max(0, width))}\" height=\"{N(Math.Max(0, height))}\" fill=\"{Escape(fill)}\"");
        if (opacity < 1)
        {
            _svg.Append(CultureInfo.InvariantCulture, $" fill-opacity=\"{N(opacity)}\"");
        }

        Close("rect", tooltip);
    }

    public void Line(double x1, double y1, double x2, double y2, string stroke, double width = 1, string? dash = null, string? tooltip = null)
    {
        _svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(x1)}\" y1=\"{N(y1)}\" x2=\"{N(x2)}\" y2=\"{N(y2)}\" stroke=\"{Escape(stroke)}\" stroke-width=\"{N(width)}\"");
        if (dash is not null)
        {
            _svg.Append(" stroke-dasharray=\"").Append(Escape(dash)).Append('"');
        }

        Close("line", tooltip);
    }

    public void Circle(double cx, double cy, double r, string fill, string? tooltip = null, string stroke = "#ffffff")
    {
        _svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{N(cx)}\" cy=\"{N(cy)}\" r=\"{N(r)}\" fill=\"{Escape(fill)}\" stroke=\"{Escape(stroke)}\" stroke-width=\"1\"");
        Close("circle", tooltip);
    }

    public void Polyline(IEnumerable<(double X, double Y)> points, string stroke, double width = 2, string? dash = null)
    {
        _svg.Append("<polyline fill=\"none\" stroke=\"").Append(Escape(stroke)).Append(CultureInfo.InvariantCulture, $"\" stroke-width=\"{N(width)}\"");
        if (dash is not null)
        {
            _svg.Append(" stroke-dasharray=\"").Append(Escape(dash)).Append('"');
        }

        _svg.Append(" points=\"").Append(string.Join(" ", points.Select(p => $"{N(p.X)},{N(p.Y)}"))).Append("\"/>\n");
    }

    public void Text(double x, double y, string text, string anchor = "start", double size = 12, string? weight = null, string fill = "#1f2328")
    {
        _svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(x)}\" y=\"{N(y)}\" font-size=\"{N(size)}\" fill=\"{Escape(fill)}\"");
        if (anchor != "start")
        {
            _svg.Append(" text-anchor=\"").Append(Escape(anchor)).Append('"');
        }

        if (weight is not null)
        {
            _svg.Append(" font-weight=\"").Append(Escape(weight)).Append('"');
        }

        _svg.Append('>').Append(Escape(text)).Append("</text>\n");
    }

    /// <summary>A coloured square and a label, for legends.</summary>
    public void Key(double x, double y, string color, string label, string? dash = null)
    {
        if (dash is null)
        {
            Rect(x, y - 9, 10, 10, color);
        }
        else
        {
            Line(x - 2, y - 4, x + 12, y - 4, color, 2, dash);
        }

        Text(x + 16, y, label);
    }

    public override string ToString() => _svg.ToString() + "</svg>\n";

    private void Close(string element, string? tooltip)
    {
        if (tooltip is null)
        {
            _svg.Append("/>\n");
        }
        else
        {
            _svg.Append("><title>").Append(Escape(tooltip)).Append("</title></").Append(element).Append(">\n");
        }
    }
}
