/* Statistics on synthetic samples whose answers are known by hand. */
#include <math.h>
#include <stdlib.h>

#include "bench/stats.h"
#include "tap.h"

static bool near(double got, double want, double tol)
{
	if (fabs(got - want) > tol)
		printf("#   got %.10g, want %.10g\n", got, want);
	return fabs(got - want) <= tol;
}

int main(void)
{
	double odd[] = { 5, 1, 4, 2, 3 }, even[] = { 10, 40, 20, 30 };
	TAP_OK(stats_median(odd, 5) == 3, "median of 5 unsorted values");
	TAP_OK(odd[0] == 1 && odd[4] == 5, "median leaves the samples sorted");
	TAP_OK(stats_median(even, 4) == 25, "median of an even count is the mean of the middle two");

	/* 1..25: the rank interval is 12.5 -+ 0.98*5 = 7.6 .. 18.4 (+1): order statistics 7 and 19. */
	double seq[25];
	for (int i = 0; i < 25; i++)
		seq[i] = i + 1;
	double lo, hi;
	stats_median_ci(seq, 25, &lo, &hi);
	TAP_OK(lo == 7 && hi == 19, "95%% median interval of 1..25 is [7, 19] (got [%g, %g])", lo, hi);
	/* 1..100: 50 -+ 9.8 -> ranks 40 and 61. */
	double hund[100];
	for (int i = 0; i < 100; i++)
		hund[i] = i + 1;
	stats_median_ci(hund, 100, &lo, &hi);
	TAP_OK(lo == 40 && hi == 61, "95%% median interval of 1..100 is [40, 61] (got [%g, %g])", lo, hi);
	double three[] = { 1, 2, 3 };
	stats_median_ci(three, 3, &lo, &hi);
	TAP_OK(lo == 1 && hi == 3, "a tiny sample's interval is its whole range");

	double c[] = { 9, 10, 11 };
	TAP_OK(near(stats_cov(c, 3), 0.1, 1e-12), "CoV of 9,10,11 is 0.1 (sd 1, mean 10)");
	double flat[] = { 7, 7, 7, 7 };
	TAP_OK(stats_cov(flat, 4) == 0, "CoV of constant samples is 0");

	/* Complete separation, 10 vs 10: U = 0, mean 50, sd sqrt(175); z = 3.7796, p = erfc(z/sqrt2). */
	double a[10], b[10];
	for (int i = 0; i < 10; i++)
		a[i] = i + 1, b[i] = i + 11;
	TAP_OK(near(stats_mann_whitney_p(a, 10, b, 10), 1.5705e-4, 2e-7), "rank test: fully separated 10 vs 10");
	TAP_OK(near(stats_mann_whitney_p(b, 10, a, 10), 1.5705e-4, 2e-7), "rank test is symmetric");
	TAP_OK(stats_mann_whitney_p(a, 10, a, 10) == 1, "identical samples: p = 1");
	/* Interleaved odd/even: ranks sums 100 and 110, U = 45, z = 5/sqrt(175) = 0.378, p = 0.7055. */
	double o[10], e[10];
	for (int i = 0; i < 10; i++)
		o[i] = 2 * i + 1, e[i] = 2 * i + 2;
	TAP_OK(near(stats_mann_whitney_p(o, 10, e, 10), 0.70546, 1e-4), "rank test: interleaved samples, p = 0.705");
	/* Ties: {1,1,2} vs {2,3,3}: mid-ranks, tie correction. U_a = 1.5 - 6 + ... computed by hand:
	 * ranks 1.5,1.5,3.5 | 3.5,5.5,5.5; R_a = 6.5, U = 0.5, mu = 4.5, var = 9/12*(7 - 18/30) = 4.8. */
	double ta[] = { 1, 1, 2 }, tb[] = { 2, 3, 3 };
	TAP_OK(near(stats_mann_whitney_p(ta, 3, tb, 3), erfc(4 / sqrt(4.8) / sqrt(2)), 1e-12), "rank test with ties");
	return tap_done();
}
