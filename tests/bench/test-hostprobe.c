/* The host probe's classification and the keep-quiet filter, on samples whose answer is known. */
#include "bench/hostprobe.h"
#include "tap.h"

int main(void)
{
	TAP_OK(!hostprobe_shared(1.29, 1.0), "a probe 29%% over the baseline is still a quiet core");
	TAP_OK(hostprobe_shared(1.31, 1.0), "31%% over is a shared one");
	TAP_OK(!hostprobe_shared(5.0, 0), "no baseline: nothing counts as shared");

	/* Baseline 0.7: 0.75 and 0.9 are quiet, 1.6 and 2.2 are not. */
	double s[] = { 213, 280, 215, 300, 214 }, p[] = { 0.75, 1.6, 0.9, 2.2, 0.7 };
	size_t shared;
	bool dropped;
	size_t n = hostprobe_keep_quiet(s, p, 5, 0.7, 3, &shared, &dropped);
	TAP_OK(n == 3 && dropped && shared == 2, "3 quiet of 5 with 3 needed: the 2 shared are dropped");
	TAP_OK(s[0] == 213 && s[1] == 215 && s[2] == 214 && p[1] == 0.9, "the kept ones keep their order and probes");

	double s2[] = { 213, 280, 300 }, p2[] = { 0.7, 1.6, 2.2 };
	n = hostprobe_keep_quiet(s2, p2, 3, 0.7, 2, &shared, &dropped);
	TAP_OK(n == 3 && !dropped && shared == 2 && s2[1] == 280, "1 quiet of 3 with 2 needed: all kept, 2 counted shared");

	double s3[] = { 1, 2 }, p3[] = { 1.0, 1.1 };
	n = hostprobe_keep_quiet(s3, p3, 2, 1.0, 2, &shared, &dropped);
	TAP_OK(n == 2 && !dropped && shared == 0, "all quiet: nothing dropped");

	/* The real probe: a positive time, and a gate that waits no longer than its budget. */
	double one = hostprobe_ns();
	TAP_OK(one > 0 && one < 1e6, "hostprobe_ns is a positive ns per step (%g)", one);
	struct hostprobe_gate g;
	hostprobe_gate_init(&g, 30000000, 10000000, 1000000);
	TAP_OK(g.baseline > 0 && g.waited_ns >= 1000000, "seeding probes for 1 ms sets a baseline");
	for (int i = 0; i < 50; i++)
		hostprobe_await(&g);
	TAP_OK(g.waited_ns < 30000000 + 5000000, "50 waits stay within the 30 ms budget (waited %.1f ms)", g.waited_ns / 1e6);
	return tap_done();
}
