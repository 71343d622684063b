#pragma once
/* What gathering found: parsed facts, no decisions. Classification (classify.c) reads only this struct, so
 * unit tests build one as a literal. Strings are cleaned to printable ASCII by the gatherers. */
#include <stdbool.h>
#include <stdint.h>

#include "detect/cpuid.h"
#include "detect/dmesg.h"
#include "detect/vocab.h"

#define EV_MAX_DEVICES 32
#define EV_MAX_PCI 64
#define EV_MAX_XENBUS 32
#define EV_MAX_PROBLEMS 32
#define EV_MAX_CLOCKS 8

/* A disk or network device and the drivers on its path to the bus, innermost first. */
struct ev_device {
	char name[32];          /* "xvda", "eth0" */
	enum dev_class cls;
	char drivers[4][32];    /* e.g. { "virtio_blk", "virtio-pci" } or { "sd", "ata_piix" } */
	uint16_t pci_vendor, pci_device; /* of the nearest PCI ancestor, 0 if none */
	bool virtio_mmio;       /* on a virtio-mmio platform device (microVMs) */
};

struct ev_pci {
	uint16_t vendor, device;
	uint32_t class_code;
	char driver[32];        /* "" when no driver is bound */
};

struct ev_xenbus {
	char name[32];          /* "vbd-768", "vif-0" */
	char driver[32];        /* "vbd", "vif", "" when unbound */
};

/* A file that exists but could not be read: it lowers confidence and is reported. */
struct ev_problem {
	char path[96];
	int error; /* positive errno */
};

struct evidence {
	bool live;

	struct cpuid_dump cpuid;        /* plain CPUID */
	struct cpuid_dump cpuid_forced; /* through Xen's forced-emulation prefix */

	/* /sys/hypervisor */
	char hv_type[16];               /* "xen" */
	char hv_guest_type[16];         /* "PV", "PVH", "HVM" */
	bool hv_features_known;
	uint32_t hv_features;           /* properties/features, XENFEAT_* bits */
	char hv_version[24];            /* "4.17.7" from version/{major,minor,extra} */

	/* /proc/xen */
	bool xen_caps_present;
	bool xen_control_d;             /* capabilities says control_d: dom0 */

	/* /proc/cpuinfo */
	bool cpuinfo_present;
	bool flag_hypervisor, flag_constant_tsc, flag_nonstop_tsc;

	/* /sys/class/dmi/id */
	bool dmi_present;
	char dmi_sys_vendor[64], dmi_product_name[64], dmi_product_version[64], dmi_board_vendor[64],
		dmi_bios_vendor[64], dmi_bios_version[64], dmi_chassis_vendor[64], dmi_chassis_asset_tag[64];

	/* device tree (Arm, ppc) */
	char dt_hypervisor_compatible[64]; /* /proc/device-tree/hypervisor/compatible, first string */
	char dt_compatible[64];            /* /proc/device-tree/compatible, first string */
	bool dt_ibm_partition;             /* /proc/device-tree/ibm,partition-name exists (PowerVM LPAR) */
	char s390_vm_cp[64];               /* /proc/sysinfo "VM00 Control Program:" */

	/* clocksource */
	char clock_current[32];
	char clock_available[EV_MAX_CLOCKS][32];
	int n_clock_available;

	/* devices */
	struct ev_device devices[EV_MAX_DEVICES];
	int n_devices;
	struct ev_pci pci[EV_MAX_PCI];
	int n_pci;
	struct ev_xenbus xenbus[EV_MAX_XENBUS];
	int n_xenbus;

	/* /proc/interrupts: lines per interrupt chip kind */
	int irq_xen_percpu_virq, irq_xen_pirq, irq_xen_dyn, irq_xen_platform;
	bool interrupts_present;

	/* /proc/modules: a bit per tables_module() index */
	uint32_t modules;
	bool modules_present;

	/* kernel */
	char kernel_release[64];        /* "6.1.0-56-amd64" */
	char cmdline[256];
	int kconfig_xen_pvh;            /* CONFIG_XEN_PVH in /boot/config-RELEASE: 1 y, 0 absent/n, -1 unknown */

	/* dmesg */
	bool dmesg_present;
	bool dmesg_truncated;
	struct dmesg_scan dmesg;

	/* containers */
	bool dockerenv, containerenv, proc_vz, proc_bc;
	char osrelease[96];             /* /proc/sys/kernel/osrelease (WSL says so there) */
	char env_container[32];         /* container= in /proc/1/environ */
	bool env_readable;
	char container_manager[32];     /* /run/host/container-manager or /run/systemd/container */
	char cgroup_hint[32];           /* "docker", "lxc", "kubepods", "libpod" from /proc/1/cgroup */
	char tracer_comm[32];           /* comm of /proc/self/status TracerPid, "" if untraced */

	struct ev_problem problems[EV_MAX_PROBLEMS];
	int n_problems;
};
