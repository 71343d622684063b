#pragma once
/* What a result file records about the machine it ran on: what else could explain a difference. */
#include "bench/bench.h"

struct machine_cpu_times {
	unsigned long long busy, idle, steal; /* clock ticks, all CPUs */
};

/* Fills the static facts (CPU model, kernel, clocksource, Meltdown status, CPUs, memory, load). */
void machine_describe(struct bench_machine *m);
int machine_cpu_times(struct machine_cpu_times *t);
/* Fills steal, others' load and the 'loaded' flag from before/after snapshots, the wall time and
 * this process's own CPU time (self + reaped children) during the run. */
void machine_account(struct bench_machine *m, const struct machine_cpu_times *before,
		     const struct machine_cpu_times *after, double wall_s, double own_cpu_s);
/* Pure part of machine_account, for tests. */
bool machine_is_loaded(double others_busy_cpus, double steal_pct, int ncpu);
void machine_free(struct bench_machine *m);
