#include "cli/commands.h"
#include "core/output.h"

int cmd_convert(const struct global_opts *g, int argc, char **argv)
{
	(void)g; (void)argc; (void)argv;
	output_error("convert", "not implemented yet");
	return 2;
}
