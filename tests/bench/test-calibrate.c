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

/* A suite of 12 passes against a 27 s deadline on a host whose cost per pass is `fixed_s` plus
 * `sample_s` times the share (from pass `slow_from` on, `slow_sample_s`); pass 0 also calibrates. */
struct suite {
	double fixed_s, sample_s, slow_sample_s;
	unsigned slow_from, hiccup;          /* hiccup: one pass whose sampling took 3 times as long */
	double end_s, min_share, taken;      /* results: wall time, lowest share, samples taken / planned */
};

static void suite_run(struct suite *h)
{
	const uint64_t deadline = 27000000000u, s = 1000000000u;
	uint64_t elapsed = 0;
	struct calibrate_pace pace = { 0 };

	h->min_share = 1;
	h->taken = 0;
	for (unsigned pass = 0; pass < 12; pass++) {
		double share = calibrate_pass_share(&pace, deadline, 12, pass, elapsed);
		double per_sample = pass >= h->slow_from ? h->slow_sample_s : h->sample_s;
		if (pass == h->hiccup)
			per_sample *= 3;
		uint64_t sampling = (uint64_t)(per_sample * share * s);
		uint64_t took = sampling + (uint64_t)(h->fixed_s * s) + (pass == 0 ? 2 * s : 0);
		if (pass > 0)
			calibrate_pace_add(&pace, took, sampling, share);
		elapsed += took;
		h->min_share = share < h->min_share ? share : h->min_share;
		h->taken += share / 12;
	}
	h->end_s = (double)elapsed / s;
}

static void test_pass_share(void)
{
	struct suite quiet = { 0.3, 1.5, 1.5, 99, 99, 0, 0, 0 };
	suite_run(&quiet);
	TAP_OK(quiet.min_share == 1 && quiet.end_s < 27, "quiet host: every sample, %.1f s", quiet.end_s);

	struct suite busy = { 0.4, 2.4, 2.4, 99, 99, 0, 0, 0 };
	suite_run(&busy);
	TAP_OK(busy.end_s <= 27.05 && busy.min_share < 1 && busy.min_share > 0.5,
	       "busy host (34 s at full share): ends by the deadline, %.2f s, shares down to %.2f", busy.end_s,
	       busy.min_share);

	struct suite worse = { 0.3, 1.5, 3.5, 6, 99, 0, 0, 0 };
	suite_run(&worse);
	TAP_OK(worse.end_s <= 28 && worse.taken < 0.9, "a host that slows down mid-run: %.2f s, %.0f%% of samples",
	       worse.end_s, worse.taken * 100);

	struct suite hopeless = { 0.5, 10, 10, 99, 99, 0, 0, 0 };
	suite_run(&hopeless);
	TAP_OK(hopeless.min_share == CALIBRATE_SHARE_FLOOR, "a hopeless host: the share stops at the floor (%.2f)",
	       hopeless.min_share);

	for (unsigned at = 1; at < 12; at += 4) {
		struct suite hiccup = { 0.3, 1.5, 1.5, 99, at, 0, 0, 0 };
		suite_run(&hiccup);
		TAP_OK(hiccup.taken >= 0.9 && hiccup.end_s < 27,
		       "one slow pass (pass %u) in a run with time to spare: %.1f s, %.0f%% of samples", at,
		       hiccup.end_s, hiccup.taken * 100);
	}

	struct calibrate_pace none = { 0 }, paced = { 0 };
	TAP_OK(calibrate_pass_share(&none, 27000000000u, 12, 1, 26000000000u) == 1,
	       "pass 1 takes every sample whatever pass 0 cost (it calibrated)");
	calibrate_pace_add(&paced, 1000, 500, 1);
	TAP_OK(calibrate_pass_share(&paced, 27000000000u, 12, 5, 28000000000u) == CALIBRATE_SHARE_FLOOR,
	       "past the deadline: the floor");
	TAP_OK(calibrate_pass_share(&paced, 0, 12, 5, 28000000000u) == 1, "no deadline: every sample");
}

int main(void)
{
	test_pass_share();

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
