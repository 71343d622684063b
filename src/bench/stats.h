#pragma once
/* Summaries of samples: pure functions, tested on synthetic samples with known answers. */
#include <stdbool.h>
#include <stddef.h>

/* Median of v[0..n) (n > 0); v is left sorted. */
double stats_median(double *v, size_t n);

/* Distribution-free 95% interval for the median from order statistics (v sorted ascending):
 * ranks n/2 - 0.98*sqrt(n) (floor) and 1 + n/2 + 0.98*sqrt(n) (ceil), 1-based, clamped. */
void stats_median_ci(const double *sorted, size_t n, double *lo, double *hi);

double stats_mean(const double *v, size_t n);
/* Coefficient of variation (sample standard deviation / mean), as a fraction. */
double stats_cov(const double *v, size_t n);

/* Mann-Whitney U rank test, two-sided p from the normal approximation with tie correction. */
double stats_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb);
