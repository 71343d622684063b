#pragma once
/* The host's own load, which steal time cannot see: a vCPU that is never descheduled can still
 * share its physical core with another tenant's busy hyperthread. A short chain through memory,
 * timed before and after each sample, tells which samples ran on a shared core; the suite waits
 * (within a budget) for the core to be its own before sampling, as a person would wait for a
 * quiet machine. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ns per step of a store-to-load dependency chain (~40 us in all). */
double hostprobe_ns(void);

/* How much slower than the run's fastest probe a probe may be and still count as the core to
 * ourselves. Between the states seen here the probe moved 1.5-3x; its own jitter is a few %. */
#define HOSTPROBE_SHARED_RATIO 1.3

static inline bool hostprobe_shared(double probe, double baseline)
{
	return baseline > 0 && probe > baseline * HOSTPROBE_SHARED_RATIO;
}

struct hostprobe_gate {
	double baseline;         /* fastest probe so far: a probe can be slowed, never sped up */
	uint64_t budget_ns;      /* waiting left for the whole run */
	uint64_t wait_cap_ns;    /* longest single wait: a host busy for good must not eat the budget */
	uint64_t waited_ns;      /* waited in all */
};

/* Seeds the baseline with seed_ns of probes, taken out of the budget. */
void hostprobe_gate_init(struct hostprobe_gate *g, uint64_t budget_ns, uint64_t wait_cap_ns, uint64_t seed_ns);
/* Probes until the core looks quiet or the wait is capped; returns the last probe. */
double hostprobe_await(struct hostprobe_gate *g);
/* Records a probe taken elsewhere (after a sample) into the baseline. */
void hostprobe_note(struct hostprobe_gate *g, double probe);

/* Of n samples with their probes, keeps in place (order kept) those taken on a quiet core when at
 * least min_quiet of them are; returns how many are left and sets *shared to how many shared ones
 * were dropped, or, when too few were quiet, leaves all and sets *shared to how many of them ran
 * on a shared core. */
size_t hostprobe_keep_quiet(double *samples, double *probes, size_t n, double baseline, size_t min_quiet,
			    size_t *shared, bool *dropped);
