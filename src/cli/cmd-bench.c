/* virtmode bench [--quick] [--only LIST] [--dir PATH] [--json] [--list]
 * virtmode bench compare A.json B.json [--svg FILE] [--json]
 * Argument parsing only; the engine is src/bench. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "cli/commands.h"
#include "core/output.h"

/* Exit codes, as the man page documents them. */
enum { BENCH_EXIT_OK = 0, BENCH_EXIT_FAIL = 1, BENCH_EXIT_USAGE = 2 };

static void bench_usage(FILE *f)
{
	fputs("usage: virtmode bench [--quick] [--only LIST] [--dir PATH] [--json] [--list]\n"
	      "       virtmode bench compare A.json B.json [--svg FILE] [--json]\n"
	      "\n"
	      "  --quick       a shorter suite (about 5 s instead of about 25 s)\n"
	      "  --only LIST   comma-separated metric names, cells or prefixes (disk, tcp, ...)\n"
	      "  --dir PATH    where the disk metrics create their file (default: a temp dir under .)\n"
	      "  --json        the result file on stdout\n"
	      "  --list        the metrics and what each measures\n"
	      "  --svg FILE    compare: also draw the comparison as a bar chart\n",
	      f);
}

static int bench_print_json(struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	int r = puts(s) < 0 || fflush(stdout) ? -1 : 0;

	json_object_put(o);
	return r;
}

static int bench_compare_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "svg", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *svg = NULL;
	bool json = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': svg = optarg; break;
		case 'j': json = true; break;
		case 'h': bench_usage(stdout); return BENCH_EXIT_OK;
		default: bench_usage(stderr); return BENCH_EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		output_error("bench compare", "needs two result files (virtmode bench --json > FILE)");
		return BENCH_EXIT_USAGE;
	}
	const char *pa = argv[optind], *pb = argv[optind + 1];
	struct bench_result *a = NULL, *b = NULL;
	char *err = NULL;
	int rc = BENCH_EXIT_USAGE;

	if (bench_result_read_file(pa, &a, &err) < 0) {
		output_error(pa, "%s", err ? err : "cannot read");
		goto out;
	}
	free(err);
	err = NULL;
	if (bench_result_read_file(pb, &b, &err) < 0) {
		output_error(pb, "%s", err ? err : "cannot read");
		goto out;
	}
	struct bench_comparison *cmp = NULL;
	if (bench_compare(a, pa, b, pb, &cmp) < 0) {
		output_error("bench compare", "out of memory");
		rc = BENCH_EXIT_FAIL;
		goto out;
	}
	rc = BENCH_EXIT_OK;
	if (svg) {
		/* Written to a temp name and renamed: a failed write leaves no half chart. */
		char tmp[4096];
		snprintf(tmp, sizeof tmp, "%s.tmp.%d", svg, (int)getpid());
		FILE *f = fopen(tmp, "we");
		int w = f ? bench_svg_write(f, cmp) : -1;
		if (f && fclose(f) != 0)
			w = -1;
		if (w < 0 || rename(tmp, svg) < 0) {
			output_error(svg, "cannot write the chart: %s", strerror(errno));
			unlink(tmp);
			rc = BENCH_EXIT_FAIL;
		}
	}
	if (rc == BENCH_EXIT_OK) {
		if (json) {
			if (bench_print_json(bench_comparison_to_json(cmp)) < 0)
				rc = BENCH_EXIT_FAIL;
		} else {
			bench_comparison_print(stdout, cmp, output_use_color(stdout));
		}
	}
	bench_comparison_free(cmp);
out:
	free(err);
	bench_result_free(a);
	bench_result_free(b);
	return rc;
}

int cmd_bench(const struct global_opts *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "only", required_argument, NULL, 'o' },
		{ "dir", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct bench_options o = { 0 };
	bool json = false, list = false;
	int c;

	if (argc >= 2 && !strcmp(argv[1], "compare"))
		return bench_compare_cmd(argc - 1, argv + 1);
	if (g->root) {
		output_error("bench", "--root does not apply: bench measures the live machine");
		return BENCH_EXIT_USAGE;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'q': o.quick = true; break;
		case 'o': o.only = optarg; break;
		case 'd': o.dir = optarg; break;
		case 'j': json = true; break;
		case 'l': list = true; break;
		case 'h': bench_usage(stdout); return BENCH_EXIT_OK;
		default: bench_usage(stderr); return BENCH_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		output_error(argv[optind], "unexpected argument (virtmode bench --help)");
		return BENCH_EXIT_USAGE;
	}
	if (list) {
		for (size_t i = 0; i < bench_metric_count(); i++)
			printf("%-18s %s\n", bench_metric_name(i), bench_metric_describe(i));
		return BENCH_EXIT_OK;
	}
	char *bad = NULL;
	if (o.only && bench_only_check(o.only, &bad) < 0) {
		output_error("--only", "'%s' is not a metric, cell or prefix (virtmode bench --list)", bad ? bad : o.only);
		free(bad);
		return BENCH_EXIT_USAGE;
	}
	if (o.dir && !*o.dir) {
		output_error("--dir", "empty directory name");
		return BENCH_EXIT_USAGE;
	}
	o.progress = isatty(STDERR_FILENO);

	struct bench_result *r = NULL;
	char *what = NULL, *msg = NULL;
	int e = bench_run(&o, &r, &what, &msg);
	if (e < 0) {
		output_error(what ? what : "bench", "%s", msg ? msg : strerror(-e));
		free(what);
		free(msg);
		return BENCH_EXIT_FAIL;
	}
	int rc = BENCH_EXIT_OK;
	if (json) {
		if (bench_print_json(bench_result_to_json(r)) < 0) {
			output_error("stdout", "write error");
			rc = BENCH_EXIT_FAIL;
		}
	} else {
		bench_report_print(stdout, r, output_use_color(stdout));
	}
	for (size_t i = 0; i < r->n_metrics; i++)
		if (r->metrics[i].status == BENCH_FAILED) {
			output_warning(r->metrics[i].name, "failed: %s", r->metrics[i].note ? r->metrics[i].note : "unknown");
			rc = BENCH_EXIT_FAIL;
		}
	bench_result_free(r);
	return rc;
}
