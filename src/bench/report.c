/* The human table `virtmode bench` prints: what ran where, then one line per metric. */
#include "bench/bench.h"

#include <math.h>
#include <stdio.h>

static const char *report_or(const char *s)
{
	return s && *s ? s : "unknown";
}

static const char *report_detect_mode(const struct bench_result *r)
{
	struct json_object *v, *x;

	if (!r->detect)
		return "unknown";
	if (json_object_object_get_ex(r->detect, "xen", &x) && json_object_is_type(x, json_type_object) &&
	    json_object_object_get_ex(x, "mode", &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	if (json_object_object_get_ex(r->detect, "hypervisor", &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return "unknown";
}

/* Four significant digits and never an exponent: in a column where 3.608e+04 stands over 8.409,
 * a reader has to decode each figure before seeing which is larger; 36076 does not need that. */
const char *bench_format_value(char *buf, double v)
{
	double a = fabs(v);
	int decimals = 0;

	if (!isfinite(v) || a >= 1e30) {
		snprintf(buf, BENCH_VALUE_LEN, "%g", v);
		return buf;
	}
	if (a > 0 && a < 1000) {
		decimals = 3 - (int)floor(log10(a));
		if (decimals > 9)
			decimals = 9;
	}
	snprintf(buf, BENCH_VALUE_LEN, "%.*f", decimals, v);
	return buf;
}

void bench_report_print(FILE *f, const struct bench_result *r, bool color)
{
	const struct bench_machine *m = &r->machine;
	const char *bold = color ? "\033[1m" : "", *yellow = color ? "\033[33m" : "", *off = color ? "\033[0m" : "";

	fprintf(f, "%smachine%s   %s, %d CPUs, kernel %s\n", bold, off, report_or(m->cpu_model), m->ncpu, report_or(m->kernel));
	fprintf(f, "%sverdict%s   %s; clocksource %s; meltdown: %s\n", bold, off, report_detect_mode(r),
		report_or(m->clocksource), report_or(m->meltdown));
	struct json_object *sp;
	if (r->detect && json_object_object_get_ex(r->detect, "spectrum", &sp) && json_object_is_type(sp, json_type_object)) {
		fprintf(f, "%sspectrum%s ", bold, off);
		for (int c = BENCH_CELL_DISK_NETWORK; c < BENCH_CELL_COUNT; c++) {
			struct json_object *v;
			const char *val = json_object_object_get_ex(sp, bench_cell_to_string(c), &v) &&
						  json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "?";
			fprintf(f, " %s %s%s", bench_cell_title(c), val, c + 1 < BENCH_CELL_COUNT ? ";" : "\n");
		}
	}
	fprintf(f, "%srun%s       %s suite, %.1f s; load %.2f at start; steal %.1f%%; other processes kept %.2f CPUs busy\n",
		bold, off, report_or(r->suite), r->wall_s, m->load_start[0], m->steal_pct, m->others_busy_cpus);
	if (r->sample_share < 0.995)
		fprintf(f, "%snote: this run was slow: to end on time, later passes took fewer samples (%.0f%% of the plan)%s\n",
			yellow, r->sample_share * 100, off);
	if (m->loaded)
		fprintf(f, "%swarning: the machine was loaded during the run; numbers may be slower and noisier than this machine can do%s\n",
			yellow, off);
	fprintf(f, "\n%s%-18s %12s %25s %-5s %s%s\n", bold, "metric", "median", "95% interval", "unit", "cell", off);
	for (size_t i = 0; i < r->n_metrics; i++) {
		const struct bench_metric_result *mr = &r->metrics[i];
		if (mr->status != BENCH_OK) {
			fprintf(f, "%-18s %12s %25s %-5s %s  (%s)\n", mr->name, mr->status == BENCH_SKIPPED ? "skipped" : "FAILED", "",
				mr->unit, bench_cell_to_string(mr->cell), mr->note ? mr->note : "");
			continue;
		}
		char ci[2 * BENCH_VALUE_LEN + 8], med[BENCH_VALUE_LEN], lo[BENCH_VALUE_LEN], hi[BENCH_VALUE_LEN];
		snprintf(ci, sizeof ci, "%s .. %s", bench_format_value(lo, mr->ci_low), bench_format_value(hi, mr->ci_high));
		fprintf(f, "%-18s %12s %25s %-5s %s%s%s\n", mr->name, bench_format_value(med, mr->median), ci, mr->unit,
			bench_cell_to_string(mr->cell), mr->note ? "  " : "", mr->note ? mr->note : "");
	}
}
