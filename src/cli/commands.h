#pragma once

/* Each command parses its own arguments (argv[0] is the command name) and returns the exit status. */
struct global_opts {
	const char *root; /* --root DIR: read evidence under DIR instead of / (NULL = live) */
};

int cmd_detect(const struct global_opts *g, int argc, char **argv);
int cmd_collect(const struct global_opts *g, int argc, char **argv);
int cmd_bench(const struct global_opts *g, int argc, char **argv);
int cmd_check(const struct global_opts *g, int argc, char **argv);
int cmd_convert(const struct global_opts *g, int argc, char **argv);
