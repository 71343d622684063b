/* virtmode detect and virtmode collect: argument parsing only; the engine is src/detect. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "core/output.h"
#include "detect/detect.h"

static void detect_usage(FILE *out)
{
	fputs("usage: virtmode [--root DIR] detect [--json | --prometheus | --quiet] [--vm | --container] [--explain]\n"
	      "\n"
	      "  --json        one JSON object (schema in virtmode-detect(1))\n"
	      "  --prometheus  node_exporter textfile-collector metrics\n"
	      "  --quiet, -q   print nothing; exit 0 when virtualized, 1 when not (like systemd-detect-virt -q)\n"
	      "  --vm          only VMs count (print/exit on the hypervisor)\n"
	      "  --container   only containers count\n"
	      "  --explain     every piece of evidence and every unreadable file\n",
	      out);
}

int cmd_detect(const struct global_opts *g, int argc, char **argv)
{
	enum { TEXT, JSON, PROMETHEUS, QUIET } format = TEXT;
	bool vm_only = false, container_only = false, explain = false;
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },      { "prometheus", no_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },     { "vm", no_argument, NULL, 'v' },
		{ "container", no_argument, NULL, 'c' }, { "explain", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },      { 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': format = JSON; break;
		case 'p': format = PROMETHEUS; break;
		case 'q': format = QUIET; break;
		case 'v': vm_only = true; break;
		case 'c': container_only = true; break;
		case 'e': explain = true; break;
		case 'h': detect_usage(stdout); return 0;
		default:
			output_error("detect", "unknown option '%s' (try 'virtmode detect --help')", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		output_error("detect", "unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (vm_only && container_only) {
		output_error("detect", "--vm and --container exclude each other");
		return 2;
	}

	struct detect_result *r;
	int e = detect_run(g->root, &r);
	if (e < 0) {
		output_error(g->root ? g->root : "/", "%s", strerror(-e));
		return 2;
	}

	const char *vm = detect_result_vm(r), *ct = detect_result_container(r);
	bool is_vm = strcmp(vm, "none") != 0, is_ct = strcmp(ct, "none") != 0;
	bool virtualized = vm_only ? is_vm : container_only ? is_ct : is_vm || is_ct;

	if ((vm_only || container_only) && format == TEXT) {
		/* Like systemd-detect-virt --vm / --container: one word. */
		puts(vm_only ? vm : ct);
	} else if (format == JSON) {
		struct json_object *j = detect_result_to_json(r);
		puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(j);
	} else if (format == PROMETHEUS) {
		detect_result_print_prometheus(r, stdout);
	} else if (format == TEXT) {
		detect_result_print(r, stdout, output_use_color(stdout), explain);
	}
	detect_result_free(r);
	if (fflush(stdout) != 0) {
		output_error("stdout", "%s", strerror(errno));
		return 2;
	}
	/* As systemd-detect-virt: the exit status says whether anything was found, in every output mode. */
	return virtualized ? 0 : 1;
}

int cmd_collect(const struct global_opts *g, int argc, char **argv)
{
	bool include_ids = false;
	const char *archive = NULL;
	static const struct option opts[] = {
		{ "include-ids", no_argument, NULL, 'i' }, { "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' }, { 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'i': include_ids = true; break;
		case 'o': archive = optarg; break;
		case 'h':
			puts("usage: virtmode [--root DIR] collect [--include-ids] OUTDIR\n"
			     "       virtmode [--root DIR] collect [--include-ids] -o FILE.tar.gz\n\n"
			     "Writes a snapshot root with exactly the files virtmode detect reads (cpuid.txt and dmesg.txt at\n"
			     "its top), for `virtmode --root OUTDIR detect` elsewhere or a bug report. Serial numbers and\n"
			     "UUIDs are left out unless --include-ids.");
			return 0;
		default:
			output_error("collect", "unknown option '%s'", argv[optind - 1]);
			return 2;
		}
	}
	if (optind + (archive ? 0 : 1) != argc) {
		output_error("collect", "one output directory or -o FILE.tar.gz expected (try 'virtmode collect --help')");
		return 2;
	}
	const char *what = NULL, *target = archive ? archive : argv[optind];
	int e = archive ? detect_collect_archive(g->root, archive, include_ids, &what)
			: detect_collect(g->root, argv[optind], include_ids, &what);
	if (e < 0) {
		output_error(what ? what : target, "%s", strerror(-e));
		return 2;
	}
	return 0;
}
