/* Calibration as lmbench does it, shortened: grow the count geometrically until one run is long
 * enough that the timer is noise (a sixteenth of the target), scale linearly to the target, then
 * check the scaled run and rescale until it lands within 15% of the target. The check catches
 * fixed per-run costs (a partner's acknowledgement, a cold cache) that linear scaling from a short
 * run would multiply. Growth is capped at 8x per step so a probe never far overshoots the budget. */
#include "bench/calibrate.h"

enum { CALIBRATE_MAX_ROUNDS = 40, CALIBRATE_MAX_CHECKS = 8 };

static uint64_t calibrate_scale(uint64_t n, uint64_t t, uint64_t target_ns, uint64_t max_iters)
{
	double scaled = t ? (double)n * (double)target_ns / (double)t : (double)max_iters;

	if (scaled < 1)
		scaled = 1;
	if (scaled > (double)max_iters)
		scaled = (double)max_iters;
	return (uint64_t)(scaled + 0.5);
}

static uint64_t calibrate_check(calibrate_measure_fn measure, void *ctx, uint64_t n, uint64_t target_ns,
				uint64_t max_iters)
{
	for (int check = 0; check < CALIBRATE_MAX_CHECKS; check++) {
		uint64_t t = measure(ctx, n);
		if (t == CALIBRATE_FAILED)
			return 0;
		if ((t >= target_ns * 0.85 && t <= target_ns * 1.15) || (n == 1 && t > target_ns) ||
		    (n >= max_iters && t < target_ns))
			return n;
		uint64_t next = calibrate_scale(n, t, target_ns, max_iters);
		if (next == n)
			return n;
		n = next;
	}
	return n;
}

uint64_t calibrate_iterations(calibrate_measure_fn measure, void *ctx, uint64_t target_ns, uint64_t max_iters)
{
	uint64_t n = 1;

	for (int round = 0; round < CALIBRATE_MAX_ROUNDS; round++) {
		uint64_t t = measure(ctx, n);
		if (t == CALIBRATE_FAILED)
			return 0;
		if (n == 1 && t >= target_ns)
			return 1; /* one iteration already fills the sample */
		if (t >= target_ns / 16 || n >= max_iters)
			return calibrate_check(measure, ctx, calibrate_scale(n, t, target_ns, max_iters), target_ns,
					       max_iters);
		/* Too short to trust: grow towards the target, at most 8x (a zero reading means the run
		 * was below the timer's resolution). */
		uint64_t grow = t ? target_ns / 16 / t + 1 : 8;
		if (grow > 8)
			grow = 8;
		if (grow < 2)
			grow = 2;
		n = n * grow > max_iters ? max_iters : n * grow;
	}
	return n;
}

/* A pass costs a fixed part (set-up, warm-up, tear-down) plus its sampling, which shrinks with the
 * share; both are read off the pass before. Retakes on a host that steals more are in the sampling
 * part, so a host that gets slower mid-run is followed pass by pass. */
double calibrate_pass_share(uint64_t deadline_ns, unsigned passes, unsigned pass, uint64_t elapsed_ns,
			    uint64_t last_pass_ns, uint64_t last_sampling_ns, double last_share)
{
	if (!deadline_ns || pass < 2 || pass >= passes)
		return 1;
	if (elapsed_ns >= deadline_ns || last_share <= 0)
		return CALIBRATE_SHARE_FLOOR;
	double per_pass = (double)(deadline_ns - elapsed_ns) / (passes - pass);
	double fixed = last_pass_ns > last_sampling_ns ? (double)(last_pass_ns - last_sampling_ns) : 0;
	double full = (double)last_sampling_ns / last_share;
	double share = full > 0 ? (per_pass - fixed) / full : 1;

	return share > 1 ? 1 : share < CALIBRATE_SHARE_FLOOR ? CALIBRATE_SHARE_FLOOR : share;
}
