/* The result file: written by `bench --json`, read back by `bench compare`. The reader trusts
 * nothing: every field it uses is checked for presence, type and range, and the first problem is
 * reported by its path ("metrics[3].median"). */
#include "bench/bench.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RESULT_FORMAT "virtmode-bench-result"
#define RESULT_SCHEMA 1
#define RESULT_MAX_SAMPLES 100000
#define RESULT_MAX_METRICS 1000
#define RESULT_MAX_FILE (64u << 20)

static const char *const result_status_names[] = { "ok", "skipped", "failed" };

static struct json_object *result_str(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static struct json_object *result_machine_to_json(const struct bench_machine *m)
{
	struct json_object *o = json_object_new_object(), *load = json_object_new_array();

	json_object_object_add(o, "cpu_model", result_str(m->cpu_model));
	json_object_object_add(o, "kernel", result_str(m->kernel));
	json_object_object_add(o, "clocksource", result_str(m->clocksource));
	json_object_object_add(o, "meltdown", result_str(m->meltdown));
	json_object_object_add(o, "ncpu", json_object_new_int(m->ncpu));
	json_object_object_add(o, "mem_total_kib", json_object_new_int64((int64_t)m->mem_total_kib));
	for (int i = 0; i < 3; i++)
		json_object_array_add(load, json_object_new_double(m->load_start[i]));
	json_object_object_add(o, "load_start", load);
	json_object_object_add(o, "load_end", json_object_new_double(m->load_end));
	json_object_object_add(o, "steal_pct", json_object_new_double(m->steal_pct));
	json_object_object_add(o, "others_busy_cpus", json_object_new_double(m->others_busy_cpus));
	json_object_object_add(o, "loaded", json_object_new_boolean(m->loaded));
	return o;
}

static struct json_object *result_metric_to_json(const struct bench_metric_result *mr)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(mr->name));
	json_object_object_add(o, "unit", json_object_new_string(mr->unit));
	json_object_object_add(o, "cell", json_object_new_string(bench_cell_to_string(mr->cell)));
	json_object_object_add(o, "higher_is_better", json_object_new_boolean(mr->higher_is_better));
	json_object_object_add(o, "status", json_object_new_string(result_status_names[mr->status]));
	json_object_object_add(o, "note", result_str(mr->note));
	if (mr->status == BENCH_OK) {
		struct json_object *s = json_object_new_array();
		json_object_object_add(o, "iterations", json_object_new_int64((int64_t)mr->iterations));
		json_object_object_add(o, "rejected_samples", json_object_new_int((int)mr->rejected));
		json_object_object_add(o, "median", json_object_new_double(mr->median));
		json_object_object_add(o, "ci_low", json_object_new_double(mr->ci_low));
		json_object_object_add(o, "ci_high", json_object_new_double(mr->ci_high));
		for (size_t i = 0; i < mr->n_samples; i++)
			json_object_array_add(s, json_object_new_double(mr->samples[i]));
		json_object_object_add(o, "samples", s);
	}
	return o;
}

struct json_object *bench_result_to_json(const struct bench_result *r)
{
	struct json_object *o = json_object_new_object(), *timer = json_object_new_object();
	struct json_object *metrics = json_object_new_array();

	json_object_object_add(o, "format", json_object_new_string(RESULT_FORMAT));
	json_object_object_add(o, "schema_version", json_object_new_int(RESULT_SCHEMA));
	json_object_object_add(o, "virtmode_version", result_str(r->virtmode_version));
	json_object_object_add(o, "started", result_str(r->started));
	json_object_object_add(o, "suite", result_str(r->suite));
	json_object_object_add(o, "wall_s", json_object_new_double(r->wall_s));
	json_object_object_add(o, "sample_share", json_object_new_double(r->sample_share));
	json_object_object_add(timer, "clock", json_object_new_string("CLOCK_MONOTONIC"));
	json_object_object_add(timer, "overhead_ns", json_object_new_double(r->timer_overhead_ns));
	json_object_object_add(timer, "loop_overhead_ns", json_object_new_double(r->loop_overhead_ns));
	json_object_object_add(o, "timer", timer);
	json_object_object_add(o, "machine", result_machine_to_json(&r->machine));
	json_object_object_add(o, "detect", r->detect ? json_object_get(r->detect) : NULL);
	for (size_t i = 0; i < r->n_metrics; i++)
		json_object_array_add(metrics, result_metric_to_json(&r->metrics[i]));
	json_object_object_add(o, "metrics", metrics);
	return o;
}

/* ---- reading ---- */

struct result_reader {
	char *err;
};

static int result_fail(struct result_reader *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int result_fail(struct result_reader *rd, const char *fmt, ...)
{
	va_list ap;

	if (!rd->err) {
		va_start(ap, fmt);
		if (vasprintf(&rd->err, fmt, ap) < 0)
			rd->err = NULL;
		va_end(ap);
	}
	return -EINVAL;
}

static bool result_is_number(struct json_object *v)
{
	return v && (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)) &&
	       isfinite(json_object_get_double(v));
}

static int result_number(struct result_reader *rd, struct json_object *o, const char *path, const char *key,
			 bool required, double *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v) {
		if (required)
			return result_fail(rd, "field '%s%s' is missing", path, key);
		return 0;
	}
	if (!result_is_number(v))
		return result_fail(rd, "field '%s%s' is not a finite number", path, key);
	*out = json_object_get_double(v);
	return 0;
}

/* An optional string (null allowed); a present value of another type is an error. */
static int result_string(struct result_reader *rd, struct json_object *o, const char *path, const char *key,
			 bool required, char **out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v) {
		if (required)
			return result_fail(rd, "field '%s%s' is missing", path, key);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return result_fail(rd, "field '%s%s' is not a string", path, key);
	*out = strdup(json_object_get_string(v));
	return *out ? 0 : -ENOMEM;
}

static int result_read_machine(struct result_reader *rd, struct json_object *o, struct bench_machine *m)
{
	struct json_object *v;
	double d;
	int r = 0;

	if (!json_object_object_get_ex(o, "machine", &v) || !v)
		return result_fail(rd, "field 'machine' is missing");
	if (!json_object_is_type(v, json_type_object))
		return result_fail(rd, "field 'machine' is not an object");
	r = r ?: result_string(rd, v, "machine.", "cpu_model", false, &m->cpu_model);
	r = r ?: result_string(rd, v, "machine.", "kernel", false, &m->kernel);
	r = r ?: result_string(rd, v, "machine.", "clocksource", false, &m->clocksource);
	r = r ?: result_string(rd, v, "machine.", "meltdown", false, &m->meltdown);
	d = 0;
	r = r ?: result_number(rd, v, "machine.", "ncpu", false, &d);
	m->ncpu = d >= 0 && d < 1e6 ? (int)d : 0;
	d = 0;
	r = r ?: result_number(rd, v, "machine.", "mem_total_kib", false, &d);
	m->mem_total_kib = d >= 0 && d < 1e15 ? (unsigned long long)d : 0;
	r = r ?: result_number(rd, v, "machine.", "load_end", false, &m->load_end);
	r = r ?: result_number(rd, v, "machine.", "steal_pct", false, &m->steal_pct);
	r = r ?: result_number(rd, v, "machine.", "others_busy_cpus", false, &m->others_busy_cpus);
	struct json_object *l;
	if (!r && json_object_object_get_ex(v, "load_start", &l) && l) {
		if (!json_object_is_type(l, json_type_array) || json_object_array_length(l) != 3)
			return result_fail(rd, "field 'machine.load_start' is not an array of 3 numbers");
		for (size_t i = 0; i < 3; i++) {
			struct json_object *e = json_object_array_get_idx(l, i);
			if (!result_is_number(e))
				return result_fail(rd, "field 'machine.load_start[%zu]' is not a finite number", i);
			m->load_start[i] = json_object_get_double(e);
		}
	}
	if (!r && json_object_object_get_ex(v, "loaded", &l) && l) {
		if (!json_object_is_type(l, json_type_boolean))
			return result_fail(rd, "field 'machine.loaded' is not a boolean");
		m->loaded = json_object_get_boolean(l);
	}
	return r;
}

static int result_read_metric(struct result_reader *rd, struct json_object *o, size_t idx,
			      struct bench_metric_result *mr)
{
	char path[48];
	char *s = NULL;
	struct json_object *v;
	int r;

	snprintf(path, sizeof path, "metrics[%zu].", idx);
	if (!json_object_is_type(o, json_type_object))
		return result_fail(rd, "field 'metrics[%zu]' is not an object", idx);
	r = result_string(rd, o, path, "name", true, &mr->name);
	if (!r && !*mr->name)
		r = result_fail(rd, "field '%sname' is empty", path);
	r = r ?: result_string(rd, o, path, "unit", true, &mr->unit);
	r = r ?: result_string(rd, o, path, "note", false, &mr->note);
	r = r ?: result_string(rd, o, path, "cell", true, &s);
	if (r)
		goto out;
	int cell = bench_cell_from_string(s);
	if (cell < 0) {
		r = result_fail(rd, "field '%scell' is '%s', not a spectrum cell", path, s);
		goto out;
	}
	mr->cell = (enum bench_cell)cell;
	free(s);
	s = NULL;
	if (!json_object_object_get_ex(o, "higher_is_better", &v) || !json_object_is_type(v, json_type_boolean)) {
		r = result_fail(rd, "field '%shigher_is_better' is missing or not a boolean", path);
		goto out;
	}
	mr->higher_is_better = json_object_get_boolean(v);
	r = result_string(rd, o, path, "status", true, &s);
	if (r)
		goto out;
	mr->status = (enum bench_status)-1;
	for (int i = 0; i < 3; i++)
		if (!strcmp(s, result_status_names[i]))
			mr->status = (enum bench_status)i;
	if ((int)mr->status < 0) {
		r = result_fail(rd, "field '%sstatus' is '%s', not ok, skipped or failed", path, s);
		goto out;
	}
	if (mr->status != BENCH_OK)
		goto out;
	double it = 0;
	r = r ?: result_number(rd, o, path, "iterations", true, &it);
	double rej = 0;
	r = r ?: result_number(rd, o, path, "rejected_samples", false, &rej);
	mr->rejected = rej >= 0 && rej < 1e9 ? (unsigned)rej : 0;
	r = r ?: result_number(rd, o, path, "median", true, &mr->median);
	r = r ?: result_number(rd, o, path, "ci_low", true, &mr->ci_low);
	r = r ?: result_number(rd, o, path, "ci_high", true, &mr->ci_high);
	if (r)
		goto out;
	if (it < 1 || it > 1e18) {
		r = result_fail(rd, "field '%siterations' is out of range", path);
		goto out;
	}
	mr->iterations = (unsigned long long)it;
	if (!(mr->median > 0) || mr->ci_low > mr->median || mr->ci_high < mr->median) {
		r = result_fail(rd, "field '%smedian' is not positive or lies outside ci_low..ci_high", path);
		goto out;
	}
	if (!json_object_object_get_ex(o, "samples", &v) || !json_object_is_type(v, json_type_array) ||
	    json_object_array_length(v) == 0 || json_object_array_length(v) > RESULT_MAX_SAMPLES) {
		r = result_fail(rd, "field '%ssamples' is missing or not a non-empty array", path);
		goto out;
	}
	mr->n_samples = json_object_array_length(v);
	mr->samples = calloc(mr->n_samples, sizeof *mr->samples);
	if (!mr->samples) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < mr->n_samples; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		if (!result_is_number(e) || json_object_get_double(e) <= 0) {
			r = result_fail(rd, "field '%ssamples[%zu]' is not a positive number", path, i);
			goto out;
		}
		mr->samples[i] = json_object_get_double(e);
	}
out:
	free(s);
	return r;
}

static int result_read(struct result_reader *rd, struct json_object *o, struct bench_result *res)
{
	struct json_object *v;
	int r;

	if (!json_object_is_type(o, json_type_object))
		return result_fail(rd, "not a virtmode bench result: the top level is not an object");
	if (!json_object_object_get_ex(o, "format", &v) || !json_object_is_type(v, json_type_string))
		return result_fail(rd, "not a virtmode bench result: field 'format' is missing");
	if (strcmp(json_object_get_string(v), RESULT_FORMAT))
		return result_fail(rd, "not a virtmode bench result: field 'format' is '%.40s'", json_object_get_string(v));
	if (!json_object_object_get_ex(o, "schema_version", &v) || !json_object_is_type(v, json_type_int))
		return result_fail(rd, "field 'schema_version' is missing or not an integer");
	if (json_object_get_int64(v) != RESULT_SCHEMA)
		return result_fail(rd, "field 'schema_version' is %lld; this virtmode reads %d",
				   (long long)json_object_get_int64(v), RESULT_SCHEMA);
	r = result_string(rd, o, "", "virtmode_version", false, &res->virtmode_version);
	r = r ?: result_string(rd, o, "", "started", false, &res->started);
	r = r ?: result_string(rd, o, "", "suite", false, &res->suite);
	r = r ?: result_number(rd, o, "", "wall_s", false, &res->wall_s);
	res->sample_share = 1; /* files written before the deadline existed took every sample */
	r = r ?: result_number(rd, o, "", "sample_share", false, &res->sample_share);
	if (!r && !(res->sample_share > 0 && res->sample_share <= 1))
		return result_fail(rd, "field 'sample_share' is %g, not a share between 0 and 1", res->sample_share);
	if (!r && json_object_object_get_ex(o, "timer", &v) && v) {
		if (!json_object_is_type(v, json_type_object))
			return result_fail(rd, "field 'timer' is not an object");
		r = result_number(rd, v, "timer.", "overhead_ns", false, &res->timer_overhead_ns);
		r = r ?: result_number(rd, v, "timer.", "loop_overhead_ns", false, &res->loop_overhead_ns);
	}
	r = r ?: result_read_machine(rd, o, &res->machine);
	if (r)
		return r;
	if (json_object_object_get_ex(o, "detect", &v) && v) {
		if (!json_object_is_type(v, json_type_object))
			return result_fail(rd, "field 'detect' is not an object");
		res->detect = json_object_get(v);
	}
	if (!json_object_object_get_ex(o, "metrics", &v) || !json_object_is_type(v, json_type_array))
		return result_fail(rd, "field 'metrics' is missing or not an array");
	size_t n = json_object_array_length(v);
	if (n > RESULT_MAX_METRICS)
		return result_fail(rd, "field 'metrics' has %zu entries, more than %d", n, RESULT_MAX_METRICS);
	res->metrics = calloc(n ? n : 1, sizeof *res->metrics);
	if (!res->metrics)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		res->n_metrics = i + 1;
		r = result_read_metric(rd, json_object_array_get_idx(v, i), i, &res->metrics[i]);
		if (r)
			return r;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(res->metrics[j].name, res->metrics[i].name))
				return result_fail(rd, "field 'metrics[%zu].name': '%s' appears twice", i, res->metrics[i].name);
	}
	return 0;
}

int bench_result_from_string(const char *text, size_t len, struct bench_result **out, char **err)
{
	struct result_reader rd = { 0 };
	struct json_tokener *tok;
	struct json_object *o;
	int r;

	*out = NULL;
	*err = NULL;
	if (len > RESULT_MAX_FILE) {
		*err = strdup("larger than any result file (64 MiB)");
		return -EFBIG;
	}
	if (memchr(text, 0, len)) {
		*err = strdup("not valid JSON: contains a NUL byte");
		return -EINVAL;
	}
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	o = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error je = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	if (!o || je != json_tokener_success) {
		if (je == json_tokener_continue || (je == json_tokener_success && !o))
			r = asprintf(err, "not valid JSON: it ends early at byte %zu (truncated?)", len);
		else
			r = asprintf(err, "not valid JSON at byte %zu: %s", used, json_tokener_error_desc(je));
		if (r < 0)
			*err = NULL;
		json_object_put(o);
		json_tokener_free(tok);
		return -EINVAL;
	}
	json_tokener_free(tok);
	for (size_t i = used; i < len; i++)
		if (!strchr(" \t\r\n", text[i])) {
			if (asprintf(err, "not valid JSON: extra data after the object at byte %zu", i) < 0)
				*err = NULL;
			json_object_put(o);
			return -EINVAL;
		}

	struct bench_result *res = calloc(1, sizeof *res);
	if (!res) {
		json_object_put(o);
		return -ENOMEM;
	}
	r = result_read(&rd, o, res);
	json_object_put(o);
	if (r) {
		bench_result_free(res);
		*err = rd.err ? rd.err : strdup(strerror(-r));
		return r;
	}
	*out = res;
	return 0;
}

int bench_result_read_file(const char *path, struct bench_result **out, char **err)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	*out = NULL;
	*err = NULL;
	if (!f) {
		int e = errno;
		*err = strdup(strerror(e));
		return -e;
	}
	for (;;) {
		if (len == cap) {
			if (cap > RESULT_MAX_FILE) {
				free(buf);
				fclose(f);
				*err = strdup("larger than any result file (64 MiB)");
				return -EFBIG;
			}
			cap = cap ? cap * 2 : 65536;
			char *nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = nb;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	int rerr = ferror(f);
	fclose(f);
	if (rerr) {
		free(buf);
		*err = strdup("read error");
		return -EIO;
	}
	if (len == 0) {
		free(buf);
		*err = strdup("empty file, not a virtmode bench result");
		return -EINVAL;
	}
	int r = bench_result_from_string(buf, len, out, err);
	free(buf);
	return r;
}
