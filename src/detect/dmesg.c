/* dmesg markers. One memmem() per marker over the whole log keeps a large log cheap (the kernel ring buffer
 * is at most 32 MiB, and the caller caps what it reads); a marker matches where its text starts a message or,
 * with .anywhere, anywhere in it. */
#include "detect/dmesg.h"

#include <string.h>

static const struct {
	enum dmesg_marker id;
	const char *text;
	bool eol;      /* the message must end right after the text (so "on Xen" does not match "on Xen HVM") */
	bool anywhere; /* the text may be preceded by other words in the message */
	bool capture;  /* keep what follows the text as the marker's value */
} markers[] = {
	{ DMESG_BOOT_XEN_PV, "Booting paravirtualized kernel on Xen", .eol = true },
	{ DMESG_BOOT_XEN_PV, "Booting kernel on Xen", .eol = true },
	{ DMESG_BOOT_XEN_HVM, "Booting paravirtualized kernel on Xen HVM", .eol = true },
	{ DMESG_BOOT_XEN_HVM, "Booting kernel on Xen HVM", .eol = true },
	{ DMESG_BOOT_XEN_PVH, "Booting paravirtualized kernel on Xen PVH", .eol = true },
	{ DMESG_BOOT_XEN_PVH, "Booting kernel on Xen PVH", .eol = true },
	{ DMESG_BOOT_KVM, "Booting paravirtualized kernel on KVM", .eol = true },
	{ DMESG_BOOT_KVM, "Booting kernel on KVM", .eol = true },
	{ DMESG_BOOT_BARE, "Booting paravirtualized kernel on bare hardware", .eol = true },
	{ DMESG_BOOT_BARE, "Booting kernel on bare hardware", .eol = true },
	{ DMESG_HYPERVISOR_DETECTED, "Hypervisor detected: ", .capture = true },
	{ DMESG_XEN_CALLBACK_VECTOR, "Xen HVM callback vector for event delivery is enabled", .anywhere = true },
	{ DMESG_XEN_PV_SPINLOCKS, "xen: PV spinlocks enabled", .eol = false },
	{ DMESG_XEN_VCPUOP_TIMER, "Xen: using vcpuop timer interface", .eol = false },
	{ DMESG_XEN_UNPLUG_NICS, "Netfront and the Xen platform PCI driver have been compiled", .anywhere = true },
	{ DMESG_XEN_UNPLUG_DISKS, "Blkfront and the Xen platform PCI driver have been compiled", .anywhere = true },
	{ DMESG_XEN_NETFRONT, "Initialising Xen virtual ethernet driver", .anywhere = true },
	{ DMESG_XEN_VERSION, "Xen version: ", .capture = true },
	{ DMESG_KVM_CLOCK, "kvm-clock: Using msrs", .eol = false },
	{ DMESG_HYPERV, "Hyper-V: ", .anywhere = false },
	{ DMESG_HYPERV, "Hyper-V Host Build", .anywhere = true },
	{ DMESG_VMWARE, "vmware: hypercall mode", .eol = false },
	{ DMESG_DMI, "DMI: ", .capture = true },
	{ DMESG_DMI_ABSENT, "DMI not present or invalid", .eol = false },
	{ DMESG_CLOCKSOURCE_SWITCH, "clocksource: Switched to clocksource ", .capture = true },
	{ DMESG_TSC_UNSTABLE, "tsc: Marking TSC unstable", .eol = false },
	{ DMESG_COMMAND_LINE, "Command line: ", .capture = true },
};

/* Where the message of the line holding POS starts: after "[  1.234567] " and/or "<6>". */
static const char *message_start(const char *text, const char *pos, const char **line_start)
{
	const char *ls = pos;
	while (ls > text && ls[-1] != '\n')
		ls--;
	*line_start = ls;
	const char *m = ls;
	if (*m == '<') {
		const char *gt = memchr(m, '>', (size_t)(pos - m));
		if (gt && gt - m <= 4)
			m = gt + 1;
	}
	if (*m == '[') {
		const char *rb = memchr(m, ']', (size_t)(pos - m));
		if (rb) {
			m = rb + 1;
			while (m < pos && *m == ' ')
				m++;
		}
	}
	return m;
}

static void copy_clean(char *dst, size_t size, const char *s, const char *end)
{
	size_t n = 0;
	for (; s < end && n + 1 < size; s++)
		dst[n++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	dst[n] = 0;
}

void dmesg_scan(const char *text, size_t len, struct dmesg_scan *out)
{
	const char *end = text + len;

	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++) {
		size_t tl = strlen(markers[i].text);
		const char *from = text;
		if (dmesg_has(out, markers[i].id))
			continue;
		while (from < end) {
			const char *hit = memmem(from, (size_t)(end - from), markers[i].text, tl);
			if (!hit)
				break;
			from = hit + 1;
			const char *ls, *ms = message_start(text, hit, &ls);
			if (!markers[i].anywhere && ms != hit)
				continue;
			const char *le = memchr(hit, '\n', (size_t)(end - hit));
			if (!le)
				le = end;
			const char *after = hit + tl;
			if (markers[i].eol) {
				const char *t = after;
				while (t < le && (*t == ' ' || *t == '\r'))
					t++;
				if (t != le)
					continue;
			}
			out->found |= 1u << markers[i].id;
			copy_clean(out->line[markers[i].id], DMESG_LINE_MAX, ms, le);
			if (markers[i].capture)
				copy_clean(out->value[markers[i].id], sizeof out->value[0], after, le);
			break;
		}
	}
}
