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

/* What the passes so far cost, the first excepted (it calibrates, so it says nothing of the others):
 * a fixed part (set-up, warm-up, tear-down) and the sampling time a whole share would have taken. */
struct calibrate_pace {
	unsigned passes;
	double fixed_ns, full_sampling_ns;           /* sums */
	double last_fixed_ns, last_full_sampling_ns; /* the latest pass */
};

/* Adds a pass that took pass_ns, sampling_ns of it taking `share` of its samples. */
void calibrate_pace_add(struct calibrate_pace *p, uint64_t pass_ns, uint64_t sampling_ns, double share);

/* The share (CALIBRATE_SHARE_FLOOR..1) of its planned samples each metric takes in pass `pass` of
 * `passes`, `elapsed_ns` after the first began, so that the passes left end by `deadline_ns` if they
 * cost what the passes so far cost on average, or what the latest cost when that was less. Until a
 * pass past the first is paced, and with a deadline of 0, every sample. */
double calibrate_pass_share(const struct calibrate_pace *p, uint64_t deadline_ns, unsigned passes, unsigned pass,
			    uint64_t elapsed_ns);
