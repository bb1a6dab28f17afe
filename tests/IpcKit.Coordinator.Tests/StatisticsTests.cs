using IpcKit.Coordinator.Statistics;
using IpcKit.Coordinator.Workloads;
using IpcKit.Protocol;

namespace IpcKit.Coordinator.Tests;

/// <summary>The statistics layer on inputs whose answers are known.</summary>
public sealed class StatisticsTests
{
    [Fact]
    public void Percentiles_of_a_shuffled_1_to_1000_are_the_nearest_ranks()
    {
        var histogram = Percentiles.CreateHistogram();
        foreach (int v in Enumerable.Range(1, 1000).OrderBy(_ => Random.Shared.Next()))
        {
            histogram.RecordValue(v);
        }

        var stats = Percentiles.Of(histogram)!;
        Assert.Equal(500, stats.P50Ns);
        Assert.Equal(900, stats.P90Ns);
        Assert.Equal(990, stats.P99Ns);
        Assert.Equal(999, stats.P999Ns);
        Assert.Equal(1, stats.MinNs);
        Assert.Equal(1000, stats.MaxNs);
        Assert.Equal(500.5, stats.MeanNs, 9);
        Assert.Equal(1000, stats.Samples);
    }

    [Fact]
    public void A_single_sample_is_every_percentile()
    {
        var histogram = Percentiles.CreateHistogram();
        histogram.RecordValue(1234);
        Assert.Equal(new Results.LatencyStats(1234, 1234, 1234, 1234, 1234, 1234, 1234, 1) { P9999Ns = 1234 }, Percentiles.Of(histogram));
        Assert.Null(Percentiles.Of(Percentiles.CreateHistogram()));
    }

    [Fact]
    public void Large_times_keep_three_significant_digits_and_trials_merge_by_adding()
    {
        var a = Percentiles.CreateHistogram();
        var b = Percentiles.CreateHistogram();
        a.RecordValue(1_000_000);
        b.RecordValue(3_000_000);
        b.RecordValue(5_000_000);
        a.Add(b);
        var stats = Percentiles.Of(a)!;
        Assert.Equal(3, stats.Samples);
        Assert.InRange(stats.P50Ns, 3_000_000, 3_003_000);
        Assert.InRange(stats.MaxNs, 5_000_000, 5_005_000);
    }

    [Fact]
    public void The_median_is_the_middle_value_or_the_mean_of_the_two_middle_ones()
    {
        Assert.Equal(11, Estimates.Median([12, 10, 11]));
        Assert.Equal(11.5, Estimates.Median([13, 10, 11, 12]));
        Assert.Equal(7, Estimates.Median([7]));
    }

    [Fact]
    public void The_interval_is_a_t_interval_on_the_log_scale()
    {
        // ln of e, e², e³ is 1, 2, 3: mean 2, standard deviation 1, t(2 df) = 4.303, half-width 4.303 / √3.
        var e = Estimates.Of([Math.E, Math.Exp(2), Math.Exp(3)])!;
        double half = 4.303 / Math.Sqrt(3);
        Assert.Equal(Math.Exp(2), e.Median, 9);
        Assert.Equal(Math.Exp(2 - half), e.CiLow, 9);
        Assert.Equal(Math.Exp(2 + half), e.CiHigh, 9);
        Assert.Equal((Math.E, Math.Exp(3), 3), (e.Min, e.Max, e.Trials));
    }

    [Fact]
    public void Identical_trials_have_a_zero_width_interval_and_one_trial_has_its_value()
    {
        Assert.Equal(new Results.Estimate(5, 5, 5, 5, 5, 4), Estimates.Of([5, 5, 5, 5]));
        Assert.Equal(new Results.Estimate(8, 8, 8, 8, 8, 1), Estimates.Of([8]));
        Assert.Null(Estimates.Of([]));
    }

    [Fact]
    public void Trials_with_a_zero_get_an_interval_on_the_values_themselves()
    {
        var e = Estimates.Of([0, 2, 4])!; // mean 2, sd 2
        Assert.Equal(2 - 4.303 * 2 / Math.Sqrt(3), e.CiLow, 9);
        Assert.Equal(2 + 4.303 * 2 / Math.Sqrt(3), e.CiHigh, 9);
    }

    [Theory]
    [InlineData(1, 12.706)]
    [InlineData(4, 2.776)]
    [InlineData(30, 2.042)]
    [InlineData(60, 2.000)]
    [InlineData(1000, 1.962)]
    public void The_t_quantiles_are_the_tabulated_ones(int df, double expected) =>
        Assert.Equal(expected, Estimates.TQuantile(df), 2);

    [Fact]
    public void Five_trials_entirely_apart_from_five_others_give_the_smallest_p_of_2_in_252()
    {
        Assert.Equal(2.0 / 252, MannWhitney.TwoSidedP([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]), 12);
        Assert.Equal(2.0 / 252, MannWhitney.TwoSidedP([60, 70, 80, 90, 100], [1, 2, 3, 4, 5]), 12);
        Assert.True(MannWhitney.Apart([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]));
    }

    [Fact]
    public void Three_trials_against_three_can_never_be_apart()
    {
        Assert.Equal(0.1, MannWhitney.TwoSidedP([1, 2, 3], [100, 200, 300]), 12);
        Assert.False(MannWhitney.Apart([1, 2, 3], [100, 200, 300]));
        Assert.Equal(2.0 / 70, MannWhitney.TwoSidedP([1, 2, 3, 4], [100, 200, 300, 400]), 12);
    }

    [Fact]
    public void With_seven_trials_a_twentyfold_change_stays_significant_despite_one_stalled_trial()
    {
        // The spin and block round trips of one noise check: one spin trial stalled at 11.5 ms.
        double[] spin = [11_542_527, 1161, 1121, 1152, 1092, 1130, 1105];
        double[] block = [20_479, 3_756_031, 52_799, 20_591, 32_991, 25_000, 41_000];
        Assert.True(MannWhitney.Apart(spin, block));
        Assert.False(MannWhitney.Apart(spin[..5], block[..5])); // with five each the stalled trial outranks them all
    }

    [Fact]
    public void Interleaved_or_equal_trials_are_not_apart()
    {
        Assert.True(MannWhitney.TwoSidedP([1, 3, 5, 7, 9], [2, 4, 6, 8, 10]) > 0.5);
        Assert.Equal(1, MannWhitney.TwoSidedP([4, 4, 4], [4, 4, 4]));
        Assert.Equal(1, MannWhitney.TwoSidedP([1, 2, 3], []));
        Assert.False(MannWhitney.Apart([1, 2, 3, 4, 5, 6], [3.5, 4.5, 5.5, 6.5, 7, 2]));
    }

    [Fact]
    public void One_overlapping_pair_of_five_against_five_is_still_apart_but_two_are_not()
    {
        // U = 1: p = 4/252 = 0.016; U = 3: p = 0.056 (exact tables of the Wilcoxon rank sum).
        Assert.Equal(4.0 / 252, MannWhitney.TwoSidedP([1, 2, 3, 4, 6], [5, 7, 8, 9, 10]), 12);
        Assert.False(MannWhitney.Apart([1, 2, 3, 5, 7], [4, 6, 8, 9, 10]));
    }

    [Fact]
    public void The_warm_up_stops_when_the_rate_stops_rising_not_while_it_climbs()
    {
        Assert.False(SteadyState.StoppedRising([100, 110, 120, 150, 170, 200], 6));
        Assert.True(SteadyState.StoppedRising([200, 190, 210, 205, 195, 200], 6));
        Assert.True(SteadyState.StoppedRising([200, 300, 150, 120, 250, 180], 6)); // noisy but not climbing
        // A ring: the newest rate is at (count − 1) mod 6; here the latest three are 300, 310, 320 after 100s.
        Assert.False(SteadyState.StoppedRising([310, 320, 100, 100, 100, 300], 8));
    }

    [Fact]
    public void Process_counters_keep_the_switches_of_threads_that_have_exited()
    {
        var before = ProcessCounters.Self();
        var threads = Enumerable.Range(0, 8).Select(_ => new Thread(() =>
        {
            for (int i = 0; i < 20; i++)
            {
                Thread.Sleep(1); // each sleep blocks: a voluntary context switch
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        Assert.All(threads, t => Assert.True(t.Join(TimeSpan.FromSeconds(30))));

        var spent = ProcessCounters.Self().Since(before);
        Assert.True(spent.Voluntary >= 8 * 20, $"only {spent.Voluntary} voluntary switches counted after 160 sleeps in threads that have ended");
        Assert.True(spent.Involuntary >= 0 && spent.UserNs >= 0 && spent.SystemNs >= 0, spent.ToString());
    }
}
