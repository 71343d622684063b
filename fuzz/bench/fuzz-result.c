/* libFuzzer harness for the bench result-file reader, and everything that consumes what it accepts
 * (compare, its text, JSON and SVG output): bad input must be refused with an error, never crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench/bench.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bench_result *r = NULL;
	char *err = NULL;

	if (bench_result_from_string((const char *)data, size, &r, &err) < 0) {
		if (!err)
			abort(); /* a refusal must say why */
		free(err);
		return 0;
	}
	/* Against itself every slowdown is 1; against a second reading with every figure scaled by a
	 * factor taken from the input, the drift floor, the attribution and the SVG bars see real
	 * changes, both ways. */
	struct bench_result *r2 = NULL;
	char *err2 = NULL;
	if (bench_result_from_string((const char *)data, size, &r2, &err2) < 0)
		abort(); /* the same bytes must read the same way twice */
	double k = 0.25 + (double)(data[size / 2] % 64) / 16; /* 0.25 .. 4.19 */
	for (size_t i = 0; i < r2->n_metrics; i++) {
		struct bench_metric_result *m = &r2->metrics[i];
		double mk = i % 2 ? k : 1 / k;
		m->median *= mk;
		m->ci_low *= mk;
		m->ci_high *= mk;
		for (size_t j = 0; j < m->n_samples; j++)
			m->samples[j] *= mk;
	}
	for (int pass = 0; pass < 2; pass++) {
		struct bench_comparison *c = NULL;
		if (bench_compare(r, "a.json", pass ? r2 : r, "b.json", &c) != 0)
			continue;
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		if (f) {
			bench_comparison_print(f, c, true);
			bench_svg_write(f, c);
			bench_report_print(f, r, false);
			fclose(f);
		}
		free(buf);
		json_object_put(bench_comparison_to_json(c));
		bench_comparison_free(c);
	}
	json_object_put(bench_result_to_json(r));
	bench_result_free(r);
	bench_result_free(r2);
	return 0;
}
