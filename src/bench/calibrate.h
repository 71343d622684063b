#pragma once
/* Choosing how many iterations make one sample last the target time. */
#include <stdint.h>

/* measure(ctx, n) runs n iterations and returns the elapsed ns, or CALIBRATE_FAILED. */
#define CALIBRATE_FAILED UINT64_MAX
typedef uint64_t (*calibrate_measure_fn)(void *ctx, uint64_t n);

/* Returns the iteration count whose run is expected to last target_ns, at least 1 and at most
 * max_iters, or 0 when measure failed. */
uint64_t calibrate_iterations(calibrate_measure_fn measure, void *ctx, uint64_t target_ns, uint64_t max_iters);
