/* Calibration as lmbench does it, shortened: grow the count geometrically until one run is long
 * enough that the timer and fixed costs are noise (a sixteenth of the target), then scale linearly
 * to the target. Scaling from a run that short would extrapolate fixed costs; scaling from one
 * close to the target wastes the time budget, so growth is capped at 8x per step. */
#include "bench/calibrate.h"

enum { CALIBRATE_MAX_ROUNDS = 40 };

uint64_t calibrate_iterations(calibrate_measure_fn measure, void *ctx, uint64_t target_ns, uint64_t max_iters)
{
	uint64_t n = 1;

	for (int round = 0; round < CALIBRATE_MAX_ROUNDS; round++) {
		uint64_t t = measure(ctx, n);
		if (t == CALIBRATE_FAILED)
			return 0;
		if (t >= target_ns / 16 || n >= max_iters) {
			double scaled = t ? (double)n * (double)target_ns / (double)t : (double)max_iters;
			if (scaled < 1)
				scaled = 1;
			if (scaled > (double)max_iters)
				scaled = (double)max_iters;
			return (uint64_t)(scaled + 0.5);
		}
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
