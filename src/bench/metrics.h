#pragma once
/* The metric table: one row per metric, each isolating one path virtualization changes. */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "bench/bench.h"
#include "bench/diskfile.h"

enum metric_kind {
	METRIC_TIME,             /* value = ns per op / unit_ns */
	METRIC_BYTES_RATE,       /* value = MB/s (10^6 bytes) from bytes_per_op */
	METRIC_OPS_RATE,         /* value = ops per second */
};

/* State a metric's setup builds for its run: partner process, buffers, the disk file. */
struct metric_ctx {
	int cpu_a, cpu_b;        /* the CPUs pinned metrics use; cpu_b < 0 when only one is allowed */
	bool quick;
	const char *helper;      /* the static exec helper */
	const char *forker;      /* the fork server the fork metrics fork from (forker.c) */
	struct diskfile *disk;
	uint64_t mem_avail;      /* bytes */
	pid_t pid;
	int fd_w, fd_r, sock;
	char *buf, *buf2;
	size_t buf_size;
	uint64_t rng, pos;
	uint64_t stamp;          /* disk writes: makes every write's data new (metrics.c disk_stamp) */
	bool partner_preempted;  /* set by a run whose work another process did and timed: it was
				  * preempted during it (run_sample retakes the sample) */
	double sub_ns;           /* per-op cost the metric itself subtracts (pipe overhead, sleep asked) */
	char note[160];
};

struct metric_def {
	const char *name, *unit;
	enum bench_cell cell;
	double drift_pct;        /* the run-to-run drift of one machine, in percent: smaller changes are
				  * not called significant (compare) */
	enum metric_kind kind;
	double unit_ns;          /* METRIC_TIME: ns per unit (1, 1000, 1e6) */
	double bytes_per_op;     /* METRIC_BYTES_RATE */
	unsigned ops_per_iter;   /* a round trip is two context switches; 0 means 1 */
	bool subtract_loop;      /* nanosecond metrics: the empty loop's cost is not theirs */
	bool cross_cpu;          /* needs two CPUs */
	bool disk;
	bool on_cpu;             /* a sample never blocks, so time off the CPU during it (host steal,
				  * preemption) is someone else's: such a sample is retaken */
	uint64_t max_iters;      /* 0: METRICS_MAX_ITERS */
	uint64_t mem_per_iter;   /* bytes one iteration keeps mapped (page_fault's page): calibration
				  * stops before a sample would need more than an eighth of free memory */
	int (*setup)(struct metric_ctx *c);      /* 0 or negative errno, note says why */
	uint64_t (*run)(struct metric_ctx *c, uint64_t n); /* elapsed ns of n iterations */
	void (*teardown)(struct metric_ctx *c);
	const char *describe;
};

/* No sample needs more iterations than this: even a 1 ns operation fills a 2 ms sample first. */
#define METRICS_MAX_ITERS 1000000000ull

extern const struct metric_def metrics_table[];
extern const size_t metrics_count;

/* A metric's drift_pct by name. */
double metrics_drift_pct(const char *name);

/* Turns a measured elapsed time for n iterations into the metric's value. */
double metrics_value(const struct metric_def *m, const struct metric_ctx *c, uint64_t elapsed_ns,
		     uint64_t n, double timer_ns, double loop_ns);

/* Pins the calling process to one CPU (nothing when cpu < 0). */
void metrics_pin(int cpu);
