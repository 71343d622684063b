/* collect: placeholder until written. */
#include "detect/detect.h"

#include <errno.h>

int detect_collect(const char *root, const char *dir, bool include_ids, const char **what)
{
	(void)root; (void)include_ids;
	*what = dir;
	return -ENOSYS;
}
