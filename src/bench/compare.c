/* Two result files side by side: per metric the change and whether it is real, then per spectrum
 * cell a line saying how much that kind of work moved and what the two verdicts say about it. */
#include "bench/bench.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/metrics.h"
#include "bench/stats.h"

/* Significance needs all three: a rank test (p < 0.01), 95% intervals that do not overlap, and a
 * change beyond the metric's run-to-run drift (metrics.c). The first two only know the noise within
 * each run, which is far smaller than what moves one machine between runs. */
#define COMPARE_ALPHA 0.01
/* Percentage points of steal between two runs worth a note: 3% vs 13% here moved cross-CPU metrics 2.5x. */
#define COMPARE_STEAL_GAP 3.0

/* What the samples alone say: the rank test and the intervals agree that the two runs differ. */
static bool compare_separated(const struct bench_comparison_row *r)
{
	return r->p < COMPARE_ALPHA && !r->overlap;
}

static const struct bench_metric_result *compare_find(const struct bench_result *r, const char *name)
{
	for (size_t i = 0; i < r->n_metrics; i++)
		if (!strcmp(r->metrics[i].name, name))
			return &r->metrics[i];
	return NULL;
}

/* The cell's value ("P", "VH", "VS") in a result's embedded detect verdict, or NULL. */
static const char *compare_spectrum(const struct bench_result *r, enum bench_cell cell)
{
	struct json_object *sp, *v;

	if (!r->detect || !json_object_object_get_ex(r->detect, "spectrum", &sp) ||
	    !json_object_is_type(sp, json_type_object) ||
	    !json_object_object_get_ex(sp, bench_cell_to_string(cell), &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static void compare_line(struct bench_comparison *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void compare_line(struct bench_comparison *c, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	char **nl = realloc(c->lines, (c->n_lines + 1) * sizeof *nl);
	if (!nl) {
		free(s);
		return;
	}
	c->lines = nl;
	c->lines[c->n_lines++] = s;
}

/* `noted`: the caveat lines below name a difference other than the mode. Without one, a cell that
 * moved while its mode did not is left to what the files do not record: the host's own speed, which
 * here moved every disk metric by a fifth between two runs 40 s apart while every CPU path stayed
 * within 3.1%. */
static void compare_attribute(struct bench_comparison *c, const struct bench_result *a, const struct bench_result *b,
			      bool noted)
{
	for (int cell = 0; cell < BENCH_CELL_COUNT; cell++) {
		double logsum = 0;
		int n = 0, total = 0;
		for (size_t i = 0; i < c->n_rows; i++) {
			if (c->rows[i].cell != (enum bench_cell)cell)
				continue;
			total++;
			if (c->rows[i].significant) {
				logsum += log(c->rows[i].slowdown);
				n++;
			}
		}
		if (!total)
			continue;
		if (!n) {
			compare_line(c, "%s: no significant change", bench_cell_work(cell));
			continue;
		}
		double g = exp(logsum / n);
		bool b_slower = g >= 1;
		const char *slow = b_slower ? c->name_b : c->name_a;
		const char *there = compare_spectrum(b_slower ? b : a, cell);
		const char *here = compare_spectrum(b_slower ? a : b, cell);
		char why[160];

		if (cell == BENCH_CELL_CONTROL)
			snprintf(why, sizeof why, "the control: CPU speed or load differs, and every other ratio includes it");
		else if (!there || !here)
			snprintf(why, sizeof why, "%s not recorded in %s", bench_cell_title(cell),
				 !there && !here ? "either file" : !there ? slow : (b_slower ? c->name_a : c->name_b));
		else if (strcmp(there, here))
			snprintf(why, sizeof why, "%s are %s there, %s here", bench_cell_title(cell), there, here);
		else
			snprintf(why, sizeof why, noted ? "%s are %s in both: not the mode (see the notes below)"
							 : "%s are %s in both: not the mode, nor anything else recorded: the "
							   "host's own speed moved between the runs",
				 bench_cell_title(cell), there);
		compare_line(c, "%s %.2f\u00d7 slower on %s (%d of %d metrics significant) \u2014 %s", bench_cell_work(cell),
			     b_slower ? g : 1 / g, slow, n, total, why);
	}
}

static void compare_reverse(char **v, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		char *t = v[i];
		v[i] = v[n - 1 - i];
		v[n - 1 - i] = t;
	}
}

/* The first `notes` lines go to the end, in their order (a rotation by three reversals). */
static void compare_notes_last(struct bench_comparison *c, size_t notes)
{
	compare_reverse(c->lines, notes);
	compare_reverse(c->lines + notes, c->n_lines - notes);
	compare_reverse(c->lines, c->n_lines);
}

/* A metric's own caveat (buffered I/O, a buffer without a huge page) held by one file and not the
 * other is a difference in how it was measured, not only in the mode. */
static void compare_metric_notes(struct bench_comparison *c, const struct bench_result *a, const struct bench_result *b)
{
	for (size_t i = 0; i < a->n_metrics; i++) {
		const struct bench_metric_result *ma = &a->metrics[i], *mb = compare_find(b, ma->name);
		if (!mb || ma->status != BENCH_OK || mb->status != BENCH_OK)
			continue;
		const char *na = ma->note ? ma->note : "", *nb = mb->note ? mb->note : "";
		if (!strcmp(na, nb))
			continue;
		if (*na && *nb)
			compare_line(c, "note: %s on %s: %s; on %s: %s", ma->name, c->name_a, na, c->name_b, nb);
		else
			compare_line(c, "note: %s on %s only: %s", ma->name, *na ? c->name_a : c->name_b, *na ? na : nb);
	}
}

static void compare_caveats(struct bench_comparison *c, const struct bench_result *a, const struct bench_result *b)
{
	const struct bench_machine *ma = &a->machine, *mb = &b->machine;

	if (ma->clocksource && mb->clocksource && strcmp(ma->clocksource, mb->clocksource))
		compare_line(c, "note: clocksource %s on %s, %s on %s: clock reads and timers differ for that reason alone",
			     ma->clocksource, c->name_a, mb->clocksource, c->name_b);
	if (ma->meltdown && mb->meltdown && strcmp(ma->meltdown, mb->meltdown))
		compare_line(c, "note: Meltdown mitigation '%s' on %s, '%s' on %s: page-table isolation taxes every system call",
			     ma->meltdown, c->name_a, mb->meltdown, c->name_b);
	if (ma->cpu_model && mb->cpu_model && strcmp(ma->cpu_model, mb->cpu_model))
		compare_line(c, "note: different CPUs (%s; %s)", ma->cpu_model, mb->cpu_model);
	/* Over ten runs on one 2-vCPU KVM guest, every metric slowed as the host's steal rose, cross-CPU
	 * wake-ups and disk I/O most (correlation 0.85-0.94, 2.5x between 3% and 13% steal): a steal
	 * gap between the files explains differences there as well as the mode could. */
	if (fabs(ma->steal_pct - mb->steal_pct) >= COMPARE_STEAL_GAP)
		compare_line(c, "note: the host stole %.1f%% of %s's run and %.1f%% of %s's: cross-CPU wake-ups and disk "
				"I/O slow down with steal, so their differences may be the host's load, not the mode",
			     ma->steal_pct, c->name_a, mb->steal_pct, c->name_b);
	for (int k = 0; k < 2; k++) {
		const struct bench_machine *m = k ? mb : ma;
		if (m->loaded)
			compare_line(c, "note: %s ran on a loaded machine (%.1f other CPUs busy, %.1f%% steal, load %.2f)",
				     k ? c->name_b : c->name_a, m->others_busy_cpus, m->steal_pct, m->load_start[0]);
	}
	compare_metric_notes(c, a, b);
}

int bench_compare(const struct bench_result *a, const char *name_a, const struct bench_result *b,
		  const char *name_b, struct bench_comparison **out)
{
	struct bench_comparison *c = calloc(1, sizeof *c);

	if (!c)
		return -ENOMEM;
	c->name_a = name_a;
	c->name_b = name_b;
	c->rows = calloc(a->n_metrics ? a->n_metrics : 1, sizeof *c->rows);
	if (!c->rows) {
		free(c);
		return -ENOMEM;
	}
	for (size_t i = 0; i < a->n_metrics; i++) {
		const struct bench_metric_result *ma = &a->metrics[i], *mb = compare_find(b, ma->name);
		if (!mb || ma->status != BENCH_OK || mb->status != BENCH_OK)
			continue;
		struct bench_comparison_row *row = &c->rows[c->n_rows++];
		row->name = ma->name;
		row->unit = ma->unit;
		row->cell = ma->cell;
		row->a = ma->median;
		row->b = mb->median;
		row->change_pct = (mb->median - ma->median) / ma->median * 100;
		row->slowdown = ma->higher_is_better ? ma->median / mb->median : mb->median / ma->median;
		row->p = stats_mann_whitney_p(ma->samples, ma->n_samples, mb->samples, mb->n_samples);
		row->overlap = !(ma->ci_high < mb->ci_low || mb->ci_high < ma->ci_low);
		row->drift_pct = metrics_drift_pct(ma->name);
		double fold = row->slowdown >= 1 ? row->slowdown : 1 / row->slowdown;
		row->within_drift = (fold - 1) * 100 < row->drift_pct;
		row->significant = compare_separated(row) && !row->within_drift;
	}
	/* The notes are worked out first, so the attribution knows whether it can point to them, and
	 * then moved after it: a reader meets the verdict first. */
	compare_caveats(c, a, b);
	size_t notes = c->n_lines;
	compare_attribute(c, a, b, notes > 0);
	compare_notes_last(c, notes);
	*out = c;
	return 0;
}

void bench_comparison_print(FILE *f, const struct bench_comparison *c, bool color)
{
	const char *red = color ? "\033[31m" : "", *green = color ? "\033[32m" : "", *off = color ? "\033[0m" : "";

	fprintf(f, "A: %s\nB: %s\n\n", c->name_a, c->name_b);
	fprintf(f, "%-18s %12s %12s %-5s %8s  %-16s %s\n", "metric", "A", "B", "unit", "change", "significant", "cell");
	for (size_t i = 0; i < c->n_rows; i++) {
		const struct bench_comparison_row *r = &c->rows[i];
		const char *col = !r->significant ? "" : r->slowdown > 1 ? red : green;
		char sig[32], a[BENCH_VALUE_LEN], b[BENCH_VALUE_LEN];
		if (r->within_drift && compare_separated(r))
			snprintf(sig, sizeof sig, "no (< %.0f%% drift)", r->drift_pct);
		else
			snprintf(sig, sizeof sig, "%s (p=%.2g)", r->significant ? "yes" : "no", r->p);
		fprintf(f, "%-18s %12s %12s %-5s %s%+7.1f%%%s  %-16s %s\n", r->name, bench_format_value(a, r->a),
			bench_format_value(b, r->b), r->unit, col,
			r->change_pct, r->significant ? off : "", sig, bench_cell_to_string(r->cell));
	}
	if (c->n_lines)
		fputc('\n', f);
	for (size_t i = 0; i < c->n_lines; i++)
		fprintf(f, "%s\n", c->lines[i]);
}

struct json_object *bench_comparison_to_json(const struct bench_comparison *c)
{
	struct json_object *o = json_object_new_object(), *rows = json_object_new_array(), *lines = json_object_new_array();

	json_object_object_add(o, "a", json_object_new_string(c->name_a));
	json_object_object_add(o, "b", json_object_new_string(c->name_b));
	for (size_t i = 0; i < c->n_rows; i++) {
		const struct bench_comparison_row *r = &c->rows[i];
		struct json_object *e = json_object_new_object();
		json_object_object_add(e, "name", json_object_new_string(r->name));
		json_object_object_add(e, "unit", json_object_new_string(r->unit));
		json_object_object_add(e, "cell", json_object_new_string(bench_cell_to_string(r->cell)));
		json_object_object_add(e, "a", json_object_new_double(r->a));
		json_object_object_add(e, "b", json_object_new_double(r->b));
		json_object_object_add(e, "change_pct", json_object_new_double(r->change_pct));
		json_object_object_add(e, "slowdown", json_object_new_double(r->slowdown));
		json_object_object_add(e, "p", json_object_new_double(r->p));
		json_object_object_add(e, "intervals_overlap", json_object_new_boolean(r->overlap));
		json_object_object_add(e, "drift_pct", json_object_new_double(r->drift_pct));
		json_object_object_add(e, "within_drift", json_object_new_boolean(r->within_drift));
		json_object_object_add(e, "significant", json_object_new_boolean(r->significant));
		json_object_array_add(rows, e);
	}
	for (size_t i = 0; i < c->n_lines; i++)
		json_object_array_add(lines, json_object_new_string(c->lines[i]));
	json_object_object_add(o, "metrics", rows);
	json_object_object_add(o, "attribution", lines);
	return o;
}

void bench_comparison_free(struct bench_comparison *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_lines; i++)
		free(c->lines[i]);
	free(c->lines);
	free(c->rows);
	free(c);
}
