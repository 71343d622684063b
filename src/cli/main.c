/* virtmode: the command line. It only routes to a command; every command lives in cmd-*.c. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "core/output.h"

static const struct {
	const char *name;
	int (*run)(const struct global_opts *g, int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "detect",  cmd_detect,  "what kind of virtual machine this is, explained (default)" },
	{ "collect", cmd_collect, "write a snapshot root of this machine's evidence" },
	{ "bench",   cmd_bench,   "measure the paths that differ between modes; 'bench compare A B'" },
	{ "check",   cmd_check,   "report what converting a PV disk image to HVM will meet" },
	{ "convert", cmd_convert, "turn a PV guest's disk image into a bootable HVM image" },
};

static void usage(FILE *out)
{
	fputs("usage: virtmode [--root DIR] [COMMAND] [OPTIONS]\n\ncommands:\n", out);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fputs("\n'virtmode COMMAND --help' for a command's options; man virtmode for the rest.\n", out);
}

int main(int argc, char **argv)
{
	struct global_opts g = { 0 };
	int i = 1;

	/* Global options come before the command; anything else that starts with '-' belongs to detect. */
	while (i < argc) {
		if (!strcmp(argv[i], "--root") && i + 1 < argc) {
			g.root = argv[i + 1];
			i += 2;
		} else if (!strncmp(argv[i], "--root=", 7)) {
			g.root = argv[i] + 7;
			i++;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--version")) {
			puts("virtmode " VIRTMODE_VERSION);
			return 0;
		} else {
			break;
		}
	}
	if (g.root && !*g.root) {
		output_error("--root", "empty directory name");
		return 2;
	}

	if (i < argc && argv[i][0] != '-') {
		for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++)
			if (!strcmp(argv[i], commands[c].name))
				return commands[c].run(&g, argc - i, argv + i);
		output_error(argv[i], "unknown command (try 'virtmode --help')");
		return 2;
	}

	/* No command: detect, with whatever options followed. argv[i-1] stands in as the command name. */
	char *detect_argv[argc - i + 2];
	detect_argv[0] = "detect";
	for (int k = i; k < argc; k++)
		detect_argv[k - i + 1] = argv[k];
	detect_argv[argc - i + 1] = NULL;
	return cmd_detect(&g, argc - i + 1, detect_argv);
}
