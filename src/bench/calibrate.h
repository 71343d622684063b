#pragma once
/* Sizing work to time: how many iterations make one sample last the target time, and how many
 * samples a pass takes so the suite ends by its deadline. */
#include <stdint.h>

/* measure(ctx, n) runs n iterations and returns the elapsed ns, or CALIBRATE_FAILED. */
#define CALIBRATE_FAILED UINT64_MAX
typedef uint64_t (*calibrate_measure_fn)(void *ctx, uint64_t n);

/* Returns the iteration count whose run is expected to last target_ns, at least 1 and at most
 * max_iters, or 0 when measure failed. */
uint64_t calibrate_iterations(calibrate_measure_fn measure, void *ctx, uint64_t target_ns, uint64_t max_iters);

/* A pass on a slow host never takes less than this share of its samples: past it the deadline gives
 * way, because a median of a handful of samples is not worth finishing on time. */
#define CALIBRATE_SHARE_FLOOR 0.25

/* The share (CALIBRATE_SHARE_FLOOR..1) of its planned samples each metric takes in pass `pass` of
 * `passes`, `elapsed_ns` after the first began, so that the passes left end by `deadline_ns`. The
 * pass before took `last_pass_ns`, `last_sampling_ns` of it taking samples at `last_share`. Passes 0
 * and 1 take every sample: the first calibrates, so it says nothing about the cost of the others.
 * A deadline of 0 is none. */
double calibrate_pass_share(uint64_t deadline_ns, unsigned passes, unsigned pass, uint64_t elapsed_ns,
			    uint64_t last_pass_ns, uint64_t last_sampling_ns, double last_share);
