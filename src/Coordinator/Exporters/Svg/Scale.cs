namespace IpcKit.Coordinator.Exporters.Svg;

/// <summary>Maps a value range onto pixels, linearly or on a logarithmic axis, and picks readable ticks.</summary>
internal sealed class Scale
{
    private readonly double _lo;
    private readonly double _hi;
    private readonly double _from;
    private readonly double _to;
    private readonly bool _log;

    private Scale(double lo, double hi, double from, double to, bool log)
    {
        (_lo, _hi, _from, _to, _log) = (lo, hi, from, to, log);
    }

    /// <summary>A base-10 logarithmic scale covering whole decades around [min, max].</summary>
    public static Scale Log(double min, double max, double from, double to)
    {
        min = Math.Max(min, 1e-9);
        max = Math.Max(max, min * 1.0001);
        return new Scale(Math.Floor(Math.Log10(min)), Math.Ceiling(Math.Log10(max) + 1e-9), from, to, log: true);
    }

    /// <summary>
    /// A base-10 logarithmic scale centred on 1: from 1/M to M, where M is the smallest of 2, 5, 10, 20, 50, 100 … at or
    /// above <paramref name="reach"/> (how far from 1 the values go, either way), so 2× and ½× are the same distance from 1.
    /// </summary>
    public static Scale Centred(double reach, double from, double to)
    {
        double m = 2;
        while (m < reach && m < 1e12)
        {
            double magnitude = Math.Pow(10, Math.Floor(Math.Log10(m) + 1e-9));
            double lead = Math.Round(m / magnitude);
            m = (lead == 2 ? 5 : lead == 5 ? 10 : 2) * magnitude; // 2 → 5 → 10 → 20 → 50 → 100 …
        }

        double l = Math.Log10(m);
        return new Scale(-l, l, from, to, log: true) { CentredOnOne = true };
    }

    private bool CentredOnOne { get; init; }

    /// <summary>A base-2 logarithmic scale over [min, max] exactly (message sizes).</summary>
    public static Scale Log2(double min, double max, double from, double to) =>
        new(Math.Log2(Math.Max(min, 1)) - 0.5, Math.Log2(Math.Max(max, 1)) + 0.5, from, to, log: true) { Base2 = true };

    /// <summary>A linear scale from 0 to a round number at or above max.</summary>
    public static Scale Linear(double max, double from, double to) => new(0, Nice(Math.Max(max, 1e-9)), from, to, log: false);

    private bool Base2 { get; init; }

    public double Max => _log ? Pow(_hi) : _hi;

    public double this[double value]
    {
        get
        {
            double v = _log ? (Base2 ? Math.Log2(Math.Max(value, 1e-12)) : Math.Log10(Math.Max(value, 1e-12))) : value;
            return _from + (v - _lo) / (_hi - _lo) * (_to - _from);
        }
    }

    /// <summary>Tick values: each decade (with 2× and 5× between when there are few), or five linear steps.</summary>
    public IReadOnlyList<double> Ticks()
    {
        if (!_log)
        {
            return [.. Enumerable.Range(0, 6).Select(i => _hi * i / 5)];
        }

        if (CentredOnOne)
        {
            double[] steps = _hi <= 1.0001 ? [1, 2, 5] : _hi <= 2.0001 ? [1, 3] : [1];
            var centred = new List<double>();
            for (int k = -10; k <= 10; k++)
            {
                foreach (double step in steps)
                {
                    double t = step * Math.Pow(10, k);
                    if (Math.Abs(Math.Log10(t)) <= _hi + 1e-9)
                    {
                        centred.Add(t);
                    }
                }
            }

            return centred;
        }

        var ticks = new List<double>();
        bool fine = _hi - _lo <= 2;
        for (double e = _lo; e <= _hi + 1e-9; e++)
        {
            double d = Math.Pow(10, e);
            ticks.Add(d);
            if (fine && e < _hi)
            {
                ticks.Add(2 * d);
                ticks.Add(5 * d);
            }
        }

        return ticks;
    }

    /// <summary>Ticks for byte rates: 1, 10 and 100 (with 2× and 5× between when there are few) times 1024^k, so that labels in KiB/MiB/GiB read round.</summary>
    public IReadOnlyList<double> BinaryTicks()
    {
        double lo = Pow(_lo), hi = Pow(_hi);
        var ticks = new List<double>();
        bool fine = _hi - _lo <= 2;
        for (int k = 0; k <= 6; k++)
        {
            foreach (double m in fine ? new double[] { 1, 2, 5, 10, 20, 50, 100, 200, 500 } : [1, 10, 100])
            {
                double t = m * Math.Pow(1024, k);
                if (t >= lo && t <= hi)
                {
                    ticks.Add(t);
                }
            }
        }

        return ticks;
    }

    private double Pow(double e) => Base2 ? Math.Pow(2, e) : Math.Pow(10, e);

    /// <summary>The smallest of 1, 2, 2.5, 5 or 10 times a power of ten that is at least <paramref name="value"/>.</summary>
    private static double Nice(double value)
    {
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (double step in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (step * magnitude >= value)
            {
                return step * magnitude;
            }
        }

        return 10 * magnitude;
    }
}
