#pragma once
/* The bench engine's public face: run a suite (calibrate -> sample -> summarize), write and read
 * result files, compare two of them. The CLI only parses arguments and calls these. */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

/* The four cells of Xen's virtualization-spectrum diagram, plus the control (moves with none). */
enum bench_cell {
	BENCH_CELL_CONTROL,
	BENCH_CELL_DISK_NETWORK,
	BENCH_CELL_INTERRUPTS_TIMERS,
	BENCH_CELL_MOTHERBOARD_BOOT,
	BENCH_CELL_PRIVILEGED_PAGETABLES,
	BENCH_CELL_COUNT,
};
const char *bench_cell_to_string(enum bench_cell c);     /* JSON key, as in detect's "spectrum" */
int bench_cell_from_string(const char *s);                /* -1 when unknown */
const char *bench_cell_title(enum bench_cell c);          /* "privileged instructions & page tables" */
const char *bench_cell_work(enum bench_cell c);           /* "page-table work" */

enum bench_status { BENCH_OK, BENCH_SKIPPED, BENCH_FAILED };

struct bench_metric_result {
	char *name;
	char *unit;
	enum bench_cell cell;
	bool higher_is_better;
	enum bench_status status;
	char *note;              /* why skipped/failed, or a caveat ("buffered I/O: O_DIRECT refused") */
	unsigned long long iterations; /* per sample, after calibration */
	double median, ci_low, ci_high;
	double *samples;
	size_t n_samples;
	unsigned rejected;       /* samples retaken because the scheduler preempted them */
};

struct bench_machine {
	char *cpu_model, *kernel, *clocksource, *meltdown;
	int ncpu;
	unsigned long long mem_total_kib;
	double load_start[3], load_end;
	double steal_pct;        /* steal time during the run, % of all CPU time */
	double others_busy_cpus; /* CPUs other processes kept busy during the run */
	bool loaded;
};

struct bench_result {
	char *virtmode_version;
	char *started;           /* ISO 8601 UTC */
	char *suite;             /* "default" or "quick" */
	double wall_s;
	double sample_share;     /* samples taken / planned: below 1 when a slow host made later passes
				  * take fewer to end by the deadline */
	double timer_overhead_ns, loop_overhead_ns;
	struct bench_machine machine;
	struct json_object *detect; /* the detect verdict, owned */
	struct bench_metric_result *metrics;
	size_t n_metrics;
};

struct bench_options {
	bool quick;
	const char *only;        /* comma-separated metric names or cell names; NULL = all */
	const char *dir;         /* where disk metrics write; NULL = a temp dir under "." */
	bool progress;           /* progress bar on stderr */
};

/* The metric table, for --list and --only validation. */
size_t bench_metric_count(void);
const char *bench_metric_name(size_t i);
const char *bench_metric_describe(size_t i);

/* Checks an --only list; returns 0 or -EINVAL with *bad pointing at the unknown name (malloc'd). */
int bench_only_check(const char *only, char **bad);

/* Runs the suite. Returns 0 and a result, or a negative errno with *err_what and *err_msg set
 * (malloc'd) for the one error line the caller prints. */
int bench_run(const struct bench_options *o, struct bench_result **out, char **err_what, char **err_msg);

void bench_result_free(struct bench_result *r);

/* Result files. */
struct json_object *bench_result_to_json(const struct bench_result *r);
/* Parses a result from text; on error returns a negative errno and *err (malloc'd) names the field. */
int bench_result_from_string(const char *text, size_t len, struct bench_result **out, char **err);
int bench_result_read_file(const char *path, struct bench_result **out, char **err);

/* Human table. */
void bench_report_print(FILE *f, const struct bench_result *r, bool color);
/* A value as the tables print it, into buf (BENCH_VALUE_LEN): four significant digits, no exponent. */
#define BENCH_VALUE_LEN 48
const char *bench_format_value(char *buf, double v);

/* Comparison of two results. */
struct bench_comparison_row {
	const char *name, *unit;
	enum bench_cell cell;
	double a, b;             /* medians */
	double change_pct;       /* (b - a) / a * 100 */
	double slowdown;         /* >1: B slower than A by this factor; <1: B faster */
	double p;                /* Mann-Whitney two-sided p */
	bool overlap;            /* 95% intervals overlap */
	double drift_pct;        /* the metric's run-to-run drift on one machine */
	bool within_drift;       /* the change is smaller than that */
	bool significant;        /* p < 0.01, no overlap, and beyond the drift */
};
struct bench_comparison {
	const char *name_a, *name_b;
	struct bench_comparison_row *rows;
	size_t n_rows;
	char **lines;            /* attribution lines, one per spectrum cell that moved, plus caveats */
	size_t n_lines;
};
int bench_compare(const struct bench_result *a, const char *name_a, const struct bench_result *b,
		  const char *name_b, struct bench_comparison **out);
void bench_comparison_print(FILE *f, const struct bench_comparison *c, bool color);
struct json_object *bench_comparison_to_json(const struct bench_comparison *c);
void bench_comparison_free(struct bench_comparison *c);
int bench_svg_write(FILE *f, const struct bench_comparison *c);
