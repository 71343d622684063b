/* The suite: calibrate -> sample -> summarize for every selected metric, with the machine and the
 * detect verdict recorded around it. Reporting lives in report.c and result.c. */
#include "bench/bench.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench/calibrate.h"
#include "bench/clock.h"
#include "bench/diskfile.h"
#include "bench/machine.h"
#include "bench/metrics.h"
#include "bench/stats.h"
#include "core/output.h"
#include "detect/detect.h"

#ifndef BENCH_LIBEXEC_INSTALLED
#define BENCH_LIBEXEC_INSTALLED "/usr/local/libexec/virtmode"
#endif
#ifndef BENCH_LIBEXEC_BUILD
#define BENCH_LIBEXEC_BUILD ""
#endif

/* Suite shapes. The default keeps 22 metrics under 30 s on 2 CPUs, --quick under 5 s. */
struct run_shape {
	uint64_t sample_ns;
	unsigned samples, min_samples;
	uint64_t budget_ns;      /* sampling time per metric: one iteration longer than the sample
				  * (a 20 ms memcpy, a 4 ms fork+exec on a busy machine) gets fewer samples */
	uint64_t disk_cap;
	unsigned passes;         /* the suite runs this many times over, each metric taking its share of
				  * samples per pass: a host that is slow for a second then moves every
				  * metric a little instead of one metric a lot, and more passes over a
				  * longer run average more of the host's slow and fast seconds */
	uint64_t deadline_ns;    /* the passes end by then: on a host that steals a fifth of the time, half
				  * the samples of a never-blocking metric are retaken and the full suite
				  * took 37 s, so later passes take fewer samples instead (calibrate_pass_share) */
};
static const struct run_shape run_default = { 2000000, 360, 15, 1800000000, 128u << 20, 12, 27000000000u };
static const struct run_shape run_quick = { 1000000, 21, 7, 60000000, 16u << 20, 1, 0 }; /* one pass: no deadline */

size_t bench_metric_count(void) { return metrics_count; }
const char *bench_metric_name(size_t i) { return i < metrics_count ? metrics_table[i].name : NULL; }
const char *bench_metric_describe(size_t i) { return i < metrics_count ? metrics_table[i].describe : NULL; }

/* A token selects a metric by its name, its spectrum cell, or a prefix before '_' ("disk", "tcp"). */
static bool run_token_selects(const char *tok, size_t len, const struct metric_def *m)
{
	const char *cell = bench_cell_to_string(m->cell);

	if (strlen(m->name) == len && !strncmp(m->name, tok, len))
		return true;
	if (strlen(cell) == len && !strncmp(cell, tok, len))
		return true;
	return !strncmp(m->name, tok, len) && m->name[len] == '_';
}

static int run_select(const char *only, bool *sel, char **bad)
{
	for (size_t i = 0; i < metrics_count; i++)
		sel[i] = !only;
	if (!only)
		return 0;
	for (const char *p = only; *p;) {
		size_t len = strcspn(p, ",");
		bool any = false;
		for (size_t i = 0; i < metrics_count; i++)
			if (len && run_token_selects(p, len, &metrics_table[i]))
				sel[i] = any = true;
		if (!any) {
			if (bad)
				*bad = strndup(p, len);
			return -EINVAL;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

int bench_only_check(const char *only, char **bad)
{
	bool sel[metrics_count];

	return run_select(only, sel, bad);
}

/* A program of ours the metrics run (the exec helper, the fork server): next to the binary first (a
 * build tree or a relocated install), then where meson installs it, then the build tree. */
static char *run_libexec_path(const char *name)
{
	char exe[PATH_MAX], path[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	const char *dirs[4] = { NULL, NULL, BENCH_LIBEXEC_INSTALLED, BENCH_LIBEXEC_BUILD };
	char here[PATH_MAX + 8];

	if (n > 0) {
		exe[n] = 0;
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = 0;
			dirs[0] = exe;
			snprintf(here, sizeof here, "%s/bench", exe);
			dirs[1] = here;
		}
	}
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		snprintf(path, sizeof path, "%s/%s", dirs[i], name);
		if (access(path, X_OK) == 0)
			return strdup(path);
	}
	return NULL;
}

struct run_measure {
	const struct metric_def *m;
	struct metric_ctx *c;
};

static uint64_t run_measure_cb(void *p, uint64_t n)
{
	struct run_measure *rm = p;

	return rm->m->run(rm->c, n);
}

static void run_set_note(struct bench_metric_result *mr, const char *note)
{
	free(mr->note);
	mr->note = note && *note ? strdup(note) : NULL;
}

static long run_involuntary_switches(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_nivcsw;
}

/* CPU time of this thread, ns. Under a hypervisor with steal-time accounting (KVM, Xen) the
 * kernel leaves stolen time out of it, which wall time minus it then shows. */
static uint64_t run_thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int run_setup(const struct metric_def *m, struct metric_ctx *c, struct bench_metric_result *mr)
{
	int r = m->setup ? m->setup(c) : 0;

	if (r < 0) {
		char note[256];
		if (c->note[0])
			snprintf(note, sizeof note, "%s", c->note);
		else
			snprintf(note, sizeof note, "setup failed: %s", strerror(-r));
		mr->status = r == -ENOENT ? BENCH_SKIPPED : BENCH_FAILED;
		run_set_note(mr, note);
	}
	return r;
}

static void run_failed(struct bench_metric_result *mr)
{
	mr->status = BENCH_FAILED;
	run_set_note(mr, "the measured operation failed");
}

/* Pass 0 of a metric: setup, calibration and how many samples it gets in all. */
static int run_calibrate(const struct metric_def *m, struct metric_ctx *c, const struct run_shape *shape,
			 struct bench_metric_result *mr, unsigned *want)
{
	struct run_measure rm = { m, c };
	uint64_t max_iters = m->max_iters ? m->max_iters : METRICS_MAX_ITERS;

	if (m->mem_per_iter && c->mem_avail / 8 / m->mem_per_iter < max_iters)
		max_iters = c->mem_avail / 8 / m->mem_per_iter + 1;
	/* Calibrate twice: the first pass doubles as warm-up (caches, page tables, the partner's first
	 * wake-ups, CPU frequency), whose cold iterations would otherwise undercount n. */
	uint64_t n = calibrate_iterations(run_measure_cb, &rm, shape->sample_ns, max_iters);
	if (n)
		n = calibrate_iterations(run_measure_cb, &rm, shape->sample_ns, max_iters);
	uint64_t warm = n ? m->run(c, n) : CALIBRATE_FAILED;
	if (warm == CALIBRATE_FAILED) {
		run_failed(mr);
		return -EIO;
	}
	mr->iterations = n;
	*want = shape->samples;
	if (warm > 0 && shape->budget_ns / warm < *want)
		*want = shape->budget_ns / warm > shape->min_samples ? (unsigned)(shape->budget_ns / warm) : shape->min_samples;
	mr->samples = calloc(*want, sizeof *mr->samples);
	if (!mr->samples) {
		mr->status = BENCH_FAILED;
		return -ENOMEM;
	}
	return 0;
}

/* Takes samples until the metric has `upto`. A sample during which the scheduler preempted us, or
 * (for a metric that never blocks) the host stole time, measured someone else's time too: retake it
 * (at most as many retakes as this pass takes samples, so a busy machine costs bounded time, not
 * accuracy). A metric with a partner process cannot see the partner's preemptions, so only its own
 * word counts: the fork server reports its own (partner_preempted); a pipe or TCP partner does not. */
static int run_sample(const struct metric_def *m, struct metric_ctx *c, size_t upto, double timer_ns,
		      double loop_ns, struct bench_metric_result *mr)
{
	uint64_t n = mr->iterations;
	bool solo = c->pid == 0;
	size_t max_retakes = upto - mr->n_samples;

	for (size_t retakes = 0; mr->n_samples < upto;) {
		long sw0 = run_involuntary_switches();
		uint64_t cpu0 = m->on_cpu ? run_thread_cpu_ns() : 0, wall0 = clock_now_ns();
		c->partner_preempted = false;
		uint64_t t = m->run(c, n);
		if (t == CALIBRATE_FAILED) {
			run_failed(mr);
			return -EIO;
		}
		/* Off the CPU for more than 2% of a sample that never blocks: the host stole it (this
		 * thread's CPU time excludes steal) or the scheduler preempted it. */
		bool off_cpu = false;
		if (m->on_cpu) {
			uint64_t wall = clock_now_ns() - wall0, cpu = run_thread_cpu_ns() - cpu0;
			off_cpu = wall > cpu + wall / 50;
		}
		bool preempted = solo ? off_cpu || run_involuntary_switches() != sw0 : c->partner_preempted;
		if (preempted && retakes < max_retakes) {
			retakes++;
			mr->rejected++;
			continue;
		}
		mr->samples[mr->n_samples++] = metrics_value(m, c, t, n, timer_ns, loop_ns);
	}
	return 0;
}

static void run_summarize(struct bench_metric_result *mr)
{
	double *sorted = malloc(mr->n_samples * sizeof *sorted);

	if (!sorted || !mr->n_samples) {
		free(sorted);
		return;
	}
	memcpy(sorted, mr->samples, mr->n_samples * sizeof *sorted);
	mr->median = stats_median(sorted, mr->n_samples);
	stats_median_ci(sorted, mr->n_samples, &mr->ci_low, &mr->ci_high);
	free(sorted);
}

/* One pass of one metric: `share` (at most 1) of its samples for this pass, between its own setup
 * and teardown, so no partner process or buffer outlives the pass (a fork metric must not copy
 * another's 64 MiB). Time spent taking samples, retakes included, is added to *sampling_ns. */
static void run_pass(const struct metric_def *m, struct metric_ctx *c, const struct run_shape *shape,
		     unsigned pass, double share, double timer_ns, double loop_ns, struct bench_metric_result *mr,
		     unsigned *want, uint64_t *sampling_ns)
{
	if (pass > 0 && mr->status != BENCH_OK)
		return;
	mr->status = BENCH_OK;
	if (run_setup(m, c, mr) < 0)
		return;
	int r = 0;
	if (pass == 0)
		r = run_calibrate(m, c, shape, mr, want);
	else if (m->run(c, mr->iterations) == CALIBRATE_FAILED) /* warm-up: caches, the partner's first wake-up */
		run_failed(mr), r = -EIO;
	if (r == 0) {
		size_t quota = (size_t)*want * (pass + 1) / shape->passes - (size_t)*want * pass / shape->passes;
		size_t take = (size_t)(quota * share + 0.5);
		if (quota && !take)
			take = 1;
		uint64_t t0 = clock_now_ns();
		r = run_sample(m, c, mr->n_samples + take, timer_ns, loop_ns, mr);
		*sampling_ns += clock_now_ns() - t0;
	}
	if (r == 0 && pass + 1 == shape->passes) {
		run_summarize(mr);
		run_set_note(mr, c->note);
	}
	if (m->teardown)
		m->teardown(c);
}

static double run_own_cpu_s(void)
{
	struct rusage self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	return self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec + kids.ru_stime.tv_sec +
	       (self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec + kids.ru_stime.tv_usec) / 1e6;
}

static char *run_now_iso(void)
{
	char buf[32];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return strdup(buf);
}

int bench_run(const struct bench_options *o, struct bench_result **out, char **err_what, char **err_msg)
{
	const struct run_shape *shape = o->quick ? &run_quick : &run_default;
	bool sel[metrics_count], want_disk = false;
	struct diskfile df = { .fd = -1 };
	struct machine_cpu_times before = { 0 }, after = { 0 };
	cpu_set_t orig;
	int r;

	*out = NULL;
	if (run_select(o->only, sel, err_what) < 0) {
		*err_msg = strdup("unknown metric or cell in --only (virtmode bench --list)");
		return -EINVAL;
	}
	for (size_t i = 0; i < metrics_count; i++)
		want_disk |= sel[i] && metrics_table[i].disk;

	struct bench_result *res = calloc(1, sizeof *res);
	if (!res)
		return -ENOMEM;
	res->virtmode_version = strdup(VIRTMODE_VERSION);
	res->started = run_now_iso();
	res->suite = strdup(o->quick ? "quick" : "default");
	machine_describe(&res->machine);

	struct detect_result *dr = NULL;
	if (detect_run(NULL, &dr) == 0 && dr) {
		res->detect = detect_result_to_json(dr);
		detect_result_free(dr);
	}

	/* The disk file first: a --dir that cannot take it is an error before any time is spent. */
	if (want_disk) {
		r = diskfile_create(o->dir, shape->disk_cap, &df, err_what, err_msg);
		if (r < 0) {
			bench_result_free(res);
			return r;
		}
	}

	struct metric_ctx base = { .cpu_a = -1, .cpu_b = -1, .quick = o->quick };
	sched_getaffinity(0, sizeof orig, &orig);
	/* From the top: CPU 0 is where Linux and most hypervisors put housekeeping (default interrupt
	 * routing, balloon and console queues), and here its speed moved by a quarter between runs
	 * while the last CPU's stayed within 2%. */
	for (int cpu = CPU_SETSIZE - 1; cpu >= 0; cpu--) {
		if (!CPU_ISSET(cpu, &orig))
			continue;
		if (base.cpu_a < 0)
			base.cpu_a = cpu;
		else if (base.cpu_b < 0)
			base.cpu_b = cpu;
	}
	base.helper = run_libexec_path("virtmode-bench-helper");
	base.forker = run_libexec_path("virtmode-bench-forker");
	base.disk = want_disk ? &df : NULL;
	base.mem_avail = (uint64_t)sysconf(_SC_AVPHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
	base.rng = 0x2545f4914f6cdd1dull;

	machine_cpu_times(&before);
	double own0 = run_own_cpu_s();
	uint64_t wall0 = clock_now_ns();

	/* Every metric runs on cpu_a (pairs pin their partner themselves): left to the scheduler, a
	 * single process lands on either CPU, and on a VM the two can differ by a quarter, so runs
	 * disagreed by whichever it picked. A sample preempted there is retaken (run_sample). */
	res->timer_overhead_ns = clock_overhead_ns();
	res->loop_overhead_ns = clock_loop_overhead_ns();

	size_t total = 0;
	for (size_t i = 0; i < metrics_count; i++)
		total += sel[i];
	res->metrics = calloc(total ? total : 1, sizeof *res->metrics);
	unsigned *want = calloc(total ? total : 1, sizeof *want);
	if (!res->metrics || !want) {
		free(want);
		bench_result_free(res);
		if (want_disk)
			diskfile_remove(&df);
		free((char *)base.helper);
		free((char *)base.forker);
		return -ENOMEM;
	}
	for (size_t i = 0; i < metrics_count; i++) {
		if (!sel[i])
			continue;
		const struct metric_def *m = &metrics_table[i];
		struct bench_metric_result *mr = &res->metrics[res->n_metrics++];
		mr->name = strdup(m->name);
		mr->unit = strdup(m->unit);
		mr->cell = m->cell;
		mr->higher_is_better = m->kind != METRIC_TIME;
		if (m->cross_cpu && base.cpu_b < 0) {
			mr->status = BENCH_SKIPPED;
			run_set_note(mr, "needs two CPUs; only one is allowed");
		}
	}
	struct calibrate_pace pace = { 0 };
	for (unsigned pass = 0; pass < shape->passes; pass++) {
		uint64_t pass0 = clock_now_ns(), sampling_ns = 0;
		double share = calibrate_pass_share(&pace, shape->deadline_ns, shape->passes, pass, pass0 - wall0);
		for (size_t i = 0, k = 0; i < metrics_count; i++) {
			if (!sel[i])
				continue;
			const struct metric_def *m = &metrics_table[i];
			struct bench_metric_result *mr = &res->metrics[k];
			struct metric_ctx c = base;
			c.rng += pass * 0x9e3779b97f4a7c15ull; /* new random offsets: a pass must not re-read the last */

			if (o->progress)
				output_progress("bench", pass * total + k, shape->passes * total);
			metrics_pin(base.cpu_a);
			if (!(pass == 0 && mr->status == BENCH_SKIPPED))
				run_pass(m, &c, shape, pass, share, res->timer_overhead_ns, res->loop_overhead_ns, mr,
					 &want[k], &sampling_ns);
			sched_setaffinity(0, sizeof orig, &orig); /* a pair's setup pinned us */
			k++;
		}
		if (pass > 0)
			calibrate_pace_add(&pace, clock_now_ns() - pass0, sampling_ns, share);
	}
	size_t taken = 0, planned = 0;
	for (size_t k = 0; k < res->n_metrics; k++)
		if (res->metrics[k].status == BENCH_OK)
			taken += res->metrics[k].n_samples, planned += want[k];
	res->sample_share = planned ? (double)taken / planned : 1;
	free(want);
	if (o->progress)
		output_progress("bench", shape->passes * total, shape->passes * total);
	sched_setaffinity(0, sizeof orig, &orig);

	res->wall_s = (double)(clock_now_ns() - wall0) / 1e9;
	machine_cpu_times(&after);
	machine_account(&res->machine, &before, &after, res->wall_s, run_own_cpu_s() - own0);
	if (want_disk)
		diskfile_remove(&df);
	free((char *)base.helper);
	free((char *)base.forker);
	*out = res;
	return 0;
}

void bench_result_free(struct bench_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_metrics; i++) {
		free(r->metrics[i].name);
		free(r->metrics[i].unit);
		free(r->metrics[i].note);
		free(r->metrics[i].samples);
	}
	free(r->metrics);
	machine_free(&r->machine);
	if (r->detect)
		json_object_put(r->detect);
	free(r->virtmode_version);
	free(r->started);
	free(r->suite);
	free(r);
}
