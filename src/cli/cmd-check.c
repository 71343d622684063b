#include "cli/commands.h"
#include "core/output.h"

int cmd_check(const struct global_opts *g, int argc, char **argv)
{
	(void)g; (void)argc; (void)argv;
	output_error("check", "not implemented yet");
	return 2;
}
