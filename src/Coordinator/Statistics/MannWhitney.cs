namespace IpcKit.Coordinator.Statistics;

/// <summary>
/// The Mann–Whitney U test (Wilcoxon rank-sum): are two sets of trials apart, without assuming how noise is distributed?
/// The p-value is exact — the rank sum of the first set is compared with its distribution over every way of choosing
/// which trials belong to it, ties given their mean rank — so it holds for the handful of trials a run has. With n and
/// m trials the smallest two-sided p is 2 / C(n+m, n): 0.1 for 3 against 3, 0.029 for 4 against 4, 0.008 for 5 against
/// 5 and 0.0006 for 7 against 7, which is why a run has 7 trials by default (docs/statistics.md).
/// </summary>
internal static class MannWhitney
{
    /// <summary>The level below which two sets of trials are called apart.</summary>
    public const double Alpha = 0.05;

    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> differ at the 5% level (two-sided).</summary>
    public static bool Apart(IReadOnlyList<double> a, IReadOnlyList<double> b) => a.Count > 0 && b.Count > 0 && TwoSidedP(a, b) < Alpha;

    /// <summary>The exact two-sided p-value; 1 when either set is empty.</summary>
    public static double TwoSidedP(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        int n = a.Count, m = b.Count, total = n + m;
        if (n == 0 || m == 0)
        {
            return 1;
        }

        // Doubled mid-ranks are whole numbers, so rank sums can index an array.
        var all = a.Select(v => (Value: v, First: true)).Concat(b.Select(v => (Value: v, First: false))).OrderBy(x => x.Value).ToArray();
        var ranks = new int[total];
        for (int i = 0; i < total;)
        {
            int j = i;
            while (j + 1 < total && all[j + 1].Value == all[i].Value)
            {
                j++;
            }

            for (int k = i; k <= j; k++)
            {
                ranks[k] = i + j + 2; // 2 × the mean of ranks i+1 … j+1
            }

            i = j + 1;
        }

        int observed = 0;
        for (int i = 0; i < total; i++)
        {
            observed += all[i].First ? ranks[i] : 0;
        }

        // counts[k, s]: how many ways k of the items seen so far have doubled rank sum s.
        int maxSum = ranks.Sum();
        var counts = new double[n + 1, maxSum + 1];
        counts[0, 0] = 1;
        foreach (int rank in ranks)
        {
            for (int k = n; k >= 1; k--)
            {
                for (int s = maxSum; s >= rank; s--)
                {
                    counts[k, s] += counts[k - 1, s - rank];
                }
            }
        }

        double expected = n * (total + 1.0); // doubled
        double distance = Math.Abs(observed - expected);
        double extreme = 0, all2 = 0;
        for (int s = 0; s <= maxSum; s++)
        {
            all2 += counts[n, s];
            if (Math.Abs(s - expected) >= distance - 1e-9)
            {
                extreme += counts[n, s];
            }
        }

        return Math.Min(1, extreme / all2);
    }
}
