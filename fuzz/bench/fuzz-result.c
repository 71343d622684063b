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
	struct bench_comparison *c = NULL;
	if (bench_compare(r, "a.json", r, "b.json", &c) == 0) {
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
	return 0;
}
