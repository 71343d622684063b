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

void calibrate_pace_add(struct calibrate_pace *p, uint64_t pass_ns, uint64_t sampling_ns, double share)
{
	p->passes++;
	p->last_fixed_ns = pass_ns > sampling_ns ? (double)(pass_ns - sampling_ns) : 0;
	p->last_full_sampling_ns = share > 0 ? (double)sampling_ns / share : 0;
	p->fixed_ns += p->last_fixed_ns;
	p->full_sampling_ns += p->last_full_sampling_ns;
}

static double calibrate_min(double a, double b) { return a < b ? a : b; }

/* Paced by the latest pass alone, one pass that met a slow second of the host cut the next one's
 * samples by an eighth in a run that then ended 2 s early; by the average alone, one slow pass early
 * on weighs on all the rest. The lesser of the two forgets a slow pass once the next is quick, and a
 * host that stays slow shows in both, and in the time left, measured afresh before every pass. */
double calibrate_pass_share(const struct calibrate_pace *p, uint64_t deadline_ns, unsigned passes, unsigned pass,
			    uint64_t elapsed_ns)
{
	if (!deadline_ns || !p->passes || pass >= passes)
		return 1;
	if (elapsed_ns >= deadline_ns)
		return CALIBRATE_SHARE_FLOOR;
	double per_pass = (double)(deadline_ns - elapsed_ns) / (passes - pass);
	double fixed = calibrate_min(p->fixed_ns / p->passes, p->last_fixed_ns);
	double full = calibrate_min(p->full_sampling_ns / p->passes, p->last_full_sampling_ns);
	double share = full > 0 ? (per_pass - fixed) / full : 1;

	return share > 1 ? 1 : share < CALIBRATE_SHARE_FLOOR ? CALIBRATE_SHARE_FLOOR : share;
}
