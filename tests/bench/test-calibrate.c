/* Calibration against synthetic cost models: the chosen count must make one run last the target. */
#include <math.h>

#include "bench/calibrate.h"
#include "tap.h"

struct model {
	double per_iter_ns, fixed_ns;
	int calls;
	uint64_t fail_at;
};

static uint64_t model_measure(void *p, uint64_t n)
{
	struct model *m = p;

	m->calls++;
	if (m->fail_at && n >= m->fail_at)
		return CALIBRATE_FAILED;
	return (uint64_t)(m->fixed_ns + m->per_iter_ns * (double)n);
}

static double ratio(struct model *m, uint64_t n, uint64_t target)
{
	return (m->fixed_ns + m->per_iter_ns * (double)n) / (double)target;
}

int main(void)
{
	struct model fast = { 0.3, 40, 0, 0 };
	uint64_t n = calibrate_iterations(model_measure, &fast, 5000000, UINT64_MAX / 2);
	TAP_OK(fabs(ratio(&fast, n, 5000000) - 1) < 0.02, "0.3 ns/iter: one run lasts the 5 ms target (n=%llu)",
	       (unsigned long long)n);
	TAP_OK(fast.calls <= 16, "and it took few probes (%d)", fast.calls);

	struct model slow = { 2e6, 0, 0, 0 };
	n = calibrate_iterations(model_measure, &slow, 5000000, 1000000);
	TAP_OK(n == 3 || n == 2, "2 ms/iter against 5 ms: 2 or 3 iterations (n=%llu)", (unsigned long long)n);

	struct model huge = { 50e6, 0, 0, 0 };
	n = calibrate_iterations(model_measure, &huge, 5000000, 1000);
	TAP_OK(n == 1, "an iteration longer than the target: n = 1");
	TAP_OK(huge.calls == 1, "decided from one probe");

	/* A large fixed cost per run (setup inside the timed region) must not make n explode. */
	struct model fixed = { 100, 1e6, 0, 0 };
	n = calibrate_iterations(model_measure, &fixed, 10000000, UINT64_MAX / 2);
	double r = ratio(&fixed, n, 10000000);
	TAP_OK(r > 0.9 && r < 1.1, "fixed 1 ms + 100 ns/iter: run within 10%% of the target (%.3f)", r);

	struct model capped = { 0.1, 0, 0, 0 };
	n = calibrate_iterations(model_measure, &capped, 1000000000, 1000);
	TAP_OK(n == 1000, "the iteration cap holds (n=%llu)", (unsigned long long)n);

	struct model broken = { 10, 0, 0, 64 };
	n = calibrate_iterations(model_measure, &broken, 5000000, UINT64_MAX / 2);
	TAP_OK(n == 0, "a failing measurement gives 0");

	struct model zero = { 0, 0, 0, 0 };
	n = calibrate_iterations(model_measure, &zero, 5000000, 4096);
	TAP_OK(n == 4096, "below the timer's resolution: grows to the cap (n=%llu)", (unsigned long long)n);
	return tap_done();
}
