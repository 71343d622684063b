/* The kernel-log scanner (a snapshot's dmesg.txt, the live log). */
#include <stdint.h>
#include <string.h>

#include "detect/dmesg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dmesg_scan s;

	dmesg_scan((const char *)data, size, &s);
	for (int m = 0; m < DMESG_MARKER_COUNT; m++) {
		/* Every kept line and value is a printable, terminated string. */
		if (strnlen(s.line[m], DMESG_LINE_MAX) >= DMESG_LINE_MAX || strnlen(s.value[m], 64) >= 64)
			__builtin_trap();
		for (const char *p = s.line[m]; *p; p++)
			if (*p < 0x20 || *p == 0x7f)
				__builtin_trap();
	}
	return 0;
}
