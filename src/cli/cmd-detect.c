#include "cli/commands.h"
#include "core/output.h"

int cmd_detect(const struct global_opts *g, int argc, char **argv)
{
	(void)g; (void)argc; (void)argv;
	output_error("detect", "not implemented yet");
	return 2;
}

int cmd_collect(const struct global_opts *g, int argc, char **argv)
{
	(void)g; (void)argc; (void)argv;
	output_error("collect", "not implemented yet");
	return 2;
}

