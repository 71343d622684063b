/* The parsers of outside text: cpuid -r -1 output and the kernel log. */
#include <stdlib.h>
#include <string.h>

#include "detect/cpuid.h"
#include "detect/dmesg.h"
#include "tap.h"

static void test_cpuid(void)
{
	const char *t = "CPU 0:\n"
			"   0x00000000 0x00: eax=0x0000000d ebx=0x68747541 ecx=0x444d4163 edx=0x69746e65\n"
			"   0x40000000 0x00: eax=0x40000001 ebx=0x4b4d564b ecx=0x564b4d56 edx=0x0000004d\n"
			"   garbage line\n"
			"   0x40000001 0x00: eax=0x01 ebx=0x0 ecx=0x0\n" /* truncated: skipped */
			"CPU 1:\n"
			"   0x40000000 0x00: eax=0x40000001 ebx=0x566e6558 ecx=0x65584d4d edx=0x4d4d566e\n";
	struct cpuid_dump d;
	int skipped = cpuid_parse(t, strlen(t), &d);
	char sig[13];
	TAP_OK(d.state == CPUID_OK && d.n == 2, "two leaves of the first CPU (n=%zu)", d.n);
	TAP_OK(skipped == 2, "two lines skipped (%d)", skipped);
	TAP_OK(cpuid_signature(&d, 0x40000000, sig), "signature leaf present");
	TAP_STR_EQ(sig, "KVMKVMKVM", "trailing NULs end the signature");

	const char *f = "CPU:\n# xen forced-emulation cpuid not available (SIGILL): not a Xen PV guest\n";
	cpuid_parse(f, strlen(f), &d);
	TAP_OK(d.state == CPUID_UNAVAILABLE, "SIGILL note: unavailable");

	char buf[4096];
	struct cpuid_dump back;
	cpuid_parse(t, strlen(t), &d);
	size_t n = cpuid_format(&d, buf, sizeof buf);
	cpuid_parse(buf, n, &back);
	TAP_OK(back.n == d.n && !memcmp(back.leaves, d.leaves, d.n * sizeof d.leaves[0]), "format then parse round-trips");
	TAP_OK(cpuid_format(&d, buf, 10) > 10, "format reports the length it needs");
}

static void test_dmesg(void)
{
	const char *t = "[    0.000000] Hypervisor detected: Xen HVM\n"
			"<6>[    3.271093] Booting paravirtualized kernel on Xen HVM\n"
			"[    6.143410] xen:events: Xen HVM callback vector for event delivery is enabled\n"
			"[   18.818612] clocksource: Switched to clocksource xen\n"
			"[   19.0] something Booting kernel on Xen\n";
	struct dmesg_scan s;
	dmesg_scan(t, strlen(t), &s);
	TAP_OK(dmesg_has(&s, DMESG_HYPERVISOR_DETECTED), "Hypervisor detected");
	TAP_STR_EQ(s.value[DMESG_HYPERVISOR_DETECTED], "Xen HVM", "its value");
	TAP_OK(dmesg_has(&s, DMESG_BOOT_XEN_HVM), "boot on Xen HVM (syslog prefix accepted)");
	TAP_OK(!dmesg_has(&s, DMESG_BOOT_XEN_PV), "\"on Xen HVM\" is not \"on Xen\"; mid-message text does not count");
	TAP_OK(dmesg_has(&s, DMESG_XEN_CALLBACK_VECTOR), "callback vector (anywhere in the message)");
	TAP_STR_EQ(s.value[DMESG_CLOCKSOURCE_SWITCH], "xen", "clocksource switch value");

	const char *bin = "\x01\x02[ 1.0] Hypervisor detected: \x1b[31mKVM\n\xff";
	dmesg_scan(bin, 40, &s);
	TAP_OK(strchr(s.value[DMESG_HYPERVISOR_DETECTED], 0x1b) == NULL, "control characters do not survive");
	dmesg_scan("", 0, &s);
	TAP_OK(s.found == 0, "empty log: nothing");
}

int main(void)
{
	test_cpuid();
	test_dmesg();
	return tap_done();
}
