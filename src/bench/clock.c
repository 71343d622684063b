#include "bench/clock.h"

#include "bench/stats.h"

enum { CLOCK_BATCHES = 51, CLOCK_PER_BATCH = 1000, LOOP_PER_BATCH = 100000 };

double clock_overhead_ns(void)
{
	double v[CLOCK_BATCHES];

	for (int b = 0; b < CLOCK_BATCHES; b++) {
		uint64_t t0 = clock_now_ns(), t = t0;
		for (int i = 0; i < CLOCK_PER_BATCH; i++)
			t = clock_now_ns();
		v[b] = (double)(t - t0) / CLOCK_PER_BATCH;
	}
	return stats_median(v, CLOCK_BATCHES);
}

double clock_loop_overhead_ns(void)
{
	double v[CLOCK_BATCHES];

	for (int b = 0; b < CLOCK_BATCHES; b++) {
		uint64_t t0 = clock_now_ns();
		/* The same shape as a metric loop: a counter the compiler must keep. */
		for (volatile unsigned long i = 0; i < LOOP_PER_BATCH; i++)
			;
		v[b] = (double)(clock_now_ns() - t0) / LOOP_PER_BATCH;
	}
	return stats_median(v, CLOCK_BATCHES);
}
