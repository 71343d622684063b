/* cpuid -r -1 text (a snapshot's cpuid.txt and cpuid-xen-forced.txt): parse, format, parse again. */
#include <stdint.h>
#include <string.h>

#include "detect/cpuid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cpuid_dump d, back;
	static char buf[16384];
	char sig[13];

	cpuid_parse((const char *)data, size, &d);
	for (uint32_t base = 0x40000000; base <= 0x40000100; base += 0x100)
		cpuid_signature(&d, base, sig);
	size_t n = cpuid_format(&d, buf, sizeof buf);
	if (n < sizeof buf) {
		cpuid_parse(buf, n, &back);
		/* What was parsed formats into text that parses back to the same leaves. */
		if (back.n != d.n || memcmp(back.leaves, d.leaves, d.n * sizeof d.leaves[0]))
			__builtin_trap();
	}
	return 0;
}
