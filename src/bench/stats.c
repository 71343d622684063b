/* Median, its confidence interval and a rank test. Medians and ranks rather than means and t-tests
 * because benchmark samples on a shared machine are skewed: interruptions only ever add time. */
#include "bench/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int stats_cmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

double stats_median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, stats_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void stats_median_ci(const double *sorted, size_t n, double *lo, double *hi)
{
	/* The rank of the median in a sample is Binomial(n, 1/2): mean n/2, sd sqrt(n)/2. */
	double half = 1.959964 * sqrt((double)n) / 2;
	long l = (long)floor(n / 2.0 - half), h = (long)ceil(1 + n / 2.0 + half);

	if (l < 1)
		l = 1;
	if (h > (long)n)
		h = (long)n;
	*lo = sorted[l - 1];
	*hi = sorted[h - 1];
}

double stats_mean(const double *v, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += v[i];
	return n ? s / n : 0;
}

double stats_cov(const double *v, size_t n)
{
	if (n < 2)
		return 0;
	double m = stats_mean(v, n), ss = 0;

	for (size_t i = 0; i < n; i++)
		ss += (v[i] - m) * (v[i] - m);
	return m != 0 ? sqrt(ss / (n - 1)) / fabs(m) : 0;
}

struct stats_ranked {
	double v;
	int group;
};

static int stats_ranked_cmp(const void *x, const void *y)
{
	const struct stats_ranked *a = x, *b = y;

	return (a->v > b->v) - (a->v < b->v);
}

double stats_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb)
{
	size_t n = na + nb;

	if (na == 0 || nb == 0)
		return 1;
	struct stats_ranked *all = malloc(n * sizeof *all);
	if (!all)
		return 1;
	for (size_t i = 0; i < na; i++)
		all[i] = (struct stats_ranked){ a[i], 0 };
	for (size_t i = 0; i < nb; i++)
		all[na + i] = (struct stats_ranked){ b[i], 1 };
	qsort(all, n, sizeof *all, stats_ranked_cmp);

	/* Mid-ranks for ties; the tie term t^3 - t corrects the variance. */
	double rank_sum_a = 0, tie_term = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && all[j].v == all[i].v)
			j++;
		double mid = (i + 1 + j) / 2.0, t = (double)(j - i);
		for (size_t k = i; k < j; k++)
			if (all[k].group == 0)
				rank_sum_a += mid;
		tie_term += t * t * t - t;
		i = j;
	}
	free(all);

	double u = rank_sum_a - na * (na + 1) / 2.0;
	double mu = na * (double)nb / 2;
	double var = na * (double)nb / 12 * ((n + 1) - tie_term / ((double)n * (n - 1)));
	if (var <= 0)
		return 1;
	double z = fabs(u - mu) / sqrt(var);
	return erfc(z / sqrt(2));
}
