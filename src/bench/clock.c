#include "bench/clock.h"

#include "bench/stats.h"

/* Up to 51 batches, but at most ~20 ms of them once 5 are in: where the clock is a real system call
 * (Xen's `xen` clocksource, a guest under emulation) a fixed count could take seconds. */
enum { CLOCK_BATCHES = 51, CLOCK_MIN_BATCHES = 5, CLOCK_PER_BATCH = 200, LOOP_PER_BATCH = 100000 };
#define CLOCK_BUDGET_NS 20000000u

double clock_overhead_ns(void)
{
	double v[CLOCK_BATCHES];
	int b = 0;
	uint64_t start = clock_now_ns();

	while (b < CLOCK_BATCHES && (b < CLOCK_MIN_BATCHES || clock_now_ns() - start < CLOCK_BUDGET_NS)) {
		uint64_t t0 = clock_now_ns(), t = t0;
		for (int i = 0; i < CLOCK_PER_BATCH; i++)
			t = clock_now_ns();
		v[b++] = (double)(t - t0) / CLOCK_PER_BATCH;
	}
	return stats_median(v, (size_t)b);
}

double clock_loop_overhead_ns(void)
{
	double v[CLOCK_BATCHES];
	int b = 0;
	uint64_t start = clock_now_ns();

	while (b < CLOCK_BATCHES && (b < CLOCK_MIN_BATCHES || clock_now_ns() - start < CLOCK_BUDGET_NS)) {
		uint64_t t0 = clock_now_ns();
		/* The same shape as a metric loop: a register counter around a body the compiler must
		 * keep (an empty asm with a memory clobber, as a call would be). */
		for (unsigned long i = 0; i < LOOP_PER_BATCH; i++)
			__asm__ volatile("" ::: "memory");
		v[b++] = (double)(clock_now_ns() - t0) / LOOP_PER_BATCH;
	}
	return stats_median(v, (size_t)b);
}
