/* virtmode convert PV.img HVM.img: argument parsing only; the work is in src/convert. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "convert/convert.h"
#include "core/output.h"

/* Exit codes, also in virtmode-convert(1). */
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_BLOCKED = 3, EXIT_VERIFY = 4 };

static void convert_usage(FILE *out)
{
	fputs("usage: virtmode convert PV.img HVM.img [OPTIONS]\n"
	      "\n"
	      "Writes HVM.img: an msdos-partitioned disk with the guest's filesystem in partition 1, its\n"
	      "configs rewritten for HVM and GRUB 2 installed for BIOS boot. PV.img is never written.\n"
	      "\n"
	      "  --size SIZE        make the output disk SIZE bytes (K/M/G/T suffixes) and grow the fs to fill it\n"
	      "  --label LABEL      name the root fs LABEL=LABEL (and set that label); default: keep what the\n"
	      "                     guest uses, else UUID=\n"
	      "  --console DEV      serial console for the HVM guest (default ttyS0)\n"
	      "  --target T         xen-hvm (default), kvm or nitro: which disk controller to check drivers for\n"
	      "  --verify           boot the result in QEMU and report whether it mounted its root filesystem\n"
	      "  --verify-timeout S give up the verify boot after S seconds (default 300)\n"
	      "  --force            replace HVM.img if it exists (does not override blockers)\n"
	      "  --json             machine-readable result on stdout\n"
	      "  -q, --quiet        no progress on stderr\n",
	      out);
}

/* "20G", "512M", "1048576": bytes, binary suffixes. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned shift = 0;

	if (errno || end == s || *s == '-')
		return -EINVAL;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	case 'T': case 't': shift = 40; end++; break;
	}
	if (*end == 'i' && shift)
		end++;
	if ((*end == 'B' || *end == 'b') && shift)
		end++;
	if (*end || v == 0 || (shift && v > (UINT64_MAX >> shift)))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

static void print_blockers(const struct plan *p, const char *input)
{
	for (size_t i = 0; i < p->n_blockers; i++)
		fprintf(stderr, "virtmode: %s: blocked: %s%s%s\n", input, p->blockers[i].reason,
			p->blockers[i].fix && *p->blockers[i].fix ? "; fix: " : "",
			p->blockers[i].fix ? p->blockers[i].fix : "");
}

int cmd_convert(const struct global_opts *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "size", required_argument, NULL, 's' },   { "label", required_argument, NULL, 'l' },
		{ "console", required_argument, NULL, 'c' }, { "target", required_argument, NULL, 't' },
		{ "verify", no_argument, NULL, 'v' },        { "verify-timeout", required_argument, NULL, 'T' },
		{ "force", no_argument, NULL, 'f' },         { "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },         { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct convert_opts o = { .progress = true };
	bool verify = false, json = false;
	unsigned long timeout = 300;
	int c;

	(void)g;
	o.plan.target = PLAN_TARGET_XEN_HVM;
	o.plan.console = "ttyS0";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+fqh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_size(optarg, &o.disk_size)) {
				output_error("--size", "'%s' is not a size (e.g. 20G, 8192M)", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'l':
			if (!*optarg || strlen(optarg) > 16) {
				output_error("--label", "'%s': a label is 1 to 16 bytes", optarg);
				return EXIT_USAGE;
			}
			o.plan.label = optarg;
			break;
		case 'c':
			if (!*optarg || strchr(optarg, ' ') || strchr(optarg, '/')) {
				output_error("--console", "'%s' is not a console name like ttyS0", optarg);
				return EXIT_USAGE;
			}
			o.plan.console = optarg;
			break;
		case 't':
			if (plan_target_from_string(optarg, &o.plan.target)) {
				output_error("--target", "'%s': expected xen-hvm, kvm or nitro", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'T': {
			char *end;
			timeout = strtoul(optarg, &end, 10);
			if (*end || !timeout || timeout > 86400) {
				output_error("--verify-timeout", "'%s' is not a number of seconds", optarg);
				return EXIT_USAGE;
			}
			break;
		}
		case 'v': verify = true; break;
		case 'f': o.force = true; break;
		case 'j': json = true; break;
		case 'q': o.progress = false; break;
		case 'h': convert_usage(stdout); return EXIT_OK;
		default:
			output_error("convert", "unknown option '%s' (try 'virtmode convert --help')", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		output_error("convert", "expected PV.img and HVM.img (try 'virtmode convert --help')");
		return EXIT_USAGE;
	}
	o.input = argv[optind];
	o.output = argv[optind + 1];
	o.grub_dir = getenv("VIRTMODE_GRUB_DIR");

	struct convert_result res;
	struct convert_error err;
	int r = convert_run(&o, &res, &err);
	if (r == -EPERM && res.plan) {
		if (json) {
			struct json_object *j = json_object_new_object();
			json_object_object_add(j, "input", json_object_new_string(o.input));
			json_object_object_add(j, "converted", json_object_new_boolean(false));
			json_object_object_add(j, "plan", plan_to_json(res.plan));
			puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
			json_object_put(j);
		}
		print_blockers(res.plan, o.input);
		output_error(o.input, "not converted; nothing was written ('virtmode check %s' explains)", o.input);
		convert_result_free(&res);
		return EXIT_BLOCKED;
	}
	if (r) {
		output_error(err.file, "%s", err.message);
		convert_result_free(&res);
		return EXIT_FAILED;
	}

	struct verify_result v;
	int rc = EXIT_OK;
	if (verify) {
		struct convert_error verr;
		if (verify_boot(o.output, (unsigned)timeout, &v, &verr)) {
			output_error(verr.file, "%s", verr.message);
			rc = EXIT_VERIFY;
			verify = false;
		} else if (!v.root_mounted) {
			rc = EXIT_VERIFY;
		}
	}
	if (json) {
		struct json_object *j = summary_json(&res, &o);
		json_object_object_add(j, "converted", json_object_new_boolean(true));
		if (verify)
			json_object_object_add(j, "verify", verify_to_json(&v));
		puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(j);
	} else {
		bool color = output_use_color(stdout);
		summary_print(&res, &o, stdout, color);
		if (verify) {
			fputc('\n', stdout);
			verify_print(&v, stdout, color);
		}
	}
	convert_result_free(&res);
	return rc;
}
