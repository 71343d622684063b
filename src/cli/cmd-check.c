/* virtmode check IMAGE: the conversion plan, printed. Reads the image only. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cli/commands.h"
#include "core/output.h"
#include "inspect/image.h"
#include "inspect/plan.h"

static void check_usage(FILE *out)
{
	fputs("usage: virtmode check IMAGE [--target xen-hvm|kvm|nitro] [--console ttyS0] [--label LABEL] [--json]\n"
	      "\n"
	      "Reads a Xen PV guest's raw disk image (a bare ext2/3/4 filesystem or a partitioned disk) without\n"
	      "changing it, and reports what converting it to HVM will change and what stands in the way.\n"
	      "Exit status: 0 ready (with or without changes), 1 blocked, 2 usage or read error.\n", out);
}

int cmd_check(const struct global_opts *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "console", required_argument, NULL, 'c' },
		{ "label", required_argument, NULL, 'L' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct plan_opts opts = { .target = PLAN_TARGET_XEN_HVM, .console = "ttyS0" };
	bool json = false;
	int c;

	(void)g;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (plan_target_from_string(optarg, &opts.target) < 0) {
				output_error("--target", "unknown target '%s' (xen-hvm, kvm or nitro)", optarg);
				return 2;
			}
			break;
		case 'c':
			if (!*optarg || strchr(optarg, ' ') || strlen(optarg) > 32) {
				output_error("--console", "not a console name: '%s'", optarg);
				return 2;
			}
			opts.console = optarg;
			break;
		case 'L':
			if (!*optarg || strlen(optarg) > 16) {
				output_error("--label", "an ext label is 1 to 16 bytes");
				return 2;
			}
			opts.label = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			check_usage(stdout);
			return 0;
		default:
			output_error("check", "unknown option '%s' (try 'virtmode check --help')", argv[optind - 1]);
			return 2;
		}
	}
	if (optind != argc - 1) {
		output_error("check", optind == argc ? "missing IMAGE (try 'virtmode check --help')"
						     : "exactly one IMAGE, please");
		return 2;
	}
	const char *path = argv[optind];

	struct image *img;
	struct image_error err;
	if (image_open(path, &img, &err) < 0) {
		output_error(path, "%s", err.message);
		return 2;
	}
	struct plan *p;
	int r = plan_build(img, &opts, &p);
	image_close(img);
	if (r < 0) {
		output_error(path, "%s", strerror(-r));
		return 2;
	}
	if (json) {
		json_object *o = plan_to_json(p);
		json_object_object_add(o, "image", json_object_new_string(path));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		plan_print_human(p, path, stdout, output_use_color(stdout));
	}
	int status = p->verdict == PLAN_BLOCKED ? 1 : 0;
	plan_free(p);
	if (fflush(stdout) != 0) {
		output_error("stdout", "%s", strerror(errno));
		return 2;
	}
	return status;
}
