#pragma once
/* The one timer every metric uses: CLOCK_MONOTONIC, read through the vDSO where the clocksource
 * allows. Samples are calibrated to tens of milliseconds, so its resolution and cost (measured
 * and subtracted) are small against them. */
#include <stdint.h>

static inline uint64_t clock_now_ns(void);

#include <time.h>
static inline uint64_t clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Cost of one clock_now_ns() call, median of many batches, in ns. */
double clock_overhead_ns(void);
/* Cost of one iteration of an empty counted loop (what metric loops add around their body), in ns. */
double clock_loop_overhead_ns(void);
