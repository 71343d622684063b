#pragma once
/* The kernel log: which of the markers detect knows it contains, and the first line of each. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum dmesg_marker {
	DMESG_BOOT_XEN_PV,        /* "Booting paravirtualized kernel on Xen" / "Booting kernel on Xen" */
	DMESG_BOOT_XEN_HVM,       /* "... on Xen HVM" */
	DMESG_BOOT_XEN_PVH,       /* "... on Xen PVH" */
	DMESG_BOOT_KVM,           /* "... on KVM" */
	DMESG_BOOT_BARE,          /* "... on bare hardware": no paravirt ops in use */
	DMESG_HYPERVISOR_DETECTED,/* "Hypervisor detected: NAME" */
	DMESG_XEN_CALLBACK_VECTOR,/* "Xen HVM callback vector for event delivery is enabled" */
	DMESG_XEN_PV_SPINLOCKS,   /* "xen: PV spinlocks enabled" */
	DMESG_XEN_VCPUOP_TIMER,   /* "Xen: using vcpuop timer interface" */
	DMESG_XEN_UNPLUG_NICS,    /* "Netfront and the Xen platform PCI driver have been compiled..." */
	DMESG_XEN_UNPLUG_DISKS,   /* "Blkfront and the Xen platform PCI driver have been compiled..." */
	DMESG_XEN_NETFRONT,       /* "Initialising Xen virtual ethernet driver" */
	DMESG_XEN_VERSION,        /* "Xen version: 4.17.7" */
	DMESG_KVM_CLOCK,          /* "kvm-clock: Using msrs" */
	DMESG_HYPERV,             /* "Hyper-V: " / "Hyper-V Host Build" */
	DMESG_VMWARE,             /* "vmware: hypercall mode" */
	DMESG_DMI,                /* "DMI: VENDOR PRODUCT, BIOS ..." */
	DMESG_DMI_ABSENT,         /* "DMI not present or invalid." */
	DMESG_CLOCKSOURCE_SWITCH, /* "clocksource: Switched to clocksource NAME" */
	DMESG_TSC_UNSTABLE,       /* "tsc: Marking TSC unstable" */
	DMESG_COMMAND_LINE,       /* "Command line: ..." */
	DMESG_MARKER_COUNT
};

#define DMESG_LINE_MAX 200

struct dmesg_scan {
	uint32_t found;                                /* bit per enum dmesg_marker */
	char line[DMESG_MARKER_COUNT][DMESG_LINE_MAX]; /* first matching line, timestamp stripped */
	char value[DMESG_MARKER_COUNT][64];            /* what follows the marker text, for markers that name something */
};

/* Scans LEN bytes of kernel log (dmesg format; also accepts "<6>" syslog prefixes). Pure. */
void dmesg_scan(const char *text, size_t len, struct dmesg_scan *out);

static inline bool dmesg_has(const struct dmesg_scan *s, enum dmesg_marker m)
{
	return s->found & (1u << m);
}
