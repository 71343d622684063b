#pragma once
/* What classification concludes. Reporting (report.c) reads only this. */
#include <stdbool.h>
#include <stdint.h>

#include "detect/evidence.h"
#include "detect/vocab.h"

#define V_MAX_LAYERS 4
#define V_MAX_WHY 64
#define V_MAX_ADVICE 12

struct v_layer {
	bool container;     /* else a VM */
	int id;             /* enum container or enum hypervisor */
};

struct v_device {
	char name[32];
	enum dev_class cls;
	char driver[32];    /* the driver that decides the cell ("vbd", "virtio_net", "e1000") */
	const char *what;   /* from the driver table, or NULL */
	enum cell cell;     /* CELL_NULL: native hardware (bare metal, dom0) or unknown driver */
	bool native;
};

struct v_why {
	char source[64];    /* "sys/hypervisor/guest_type", "cpuid 0x40000000", "dmesg" */
	char text[208];     /* what it says */
	char supports[48];  /* which conclusion: "hypervisor=xen", "xen.mode=pv" */
};

struct v_advice {
	const char *id;     /* stable: "xen-pv-to-hvm", "clocksource-tsc", ... */
	char text[480];
};

struct verdict {
	enum hypervisor hypervisor;       /* the innermost VM layer */
	enum container container;
	enum cloud cloud;
	const char *platform;             /* finer than the hypervisor: "nitro", "firecracker", NULL */
	struct v_layer layers[V_MAX_LAYERS]; /* innermost first */
	int n_layers;

	bool xen;
	enum xen_mode xen_mode;
	enum xen_domain xen_domain;
	bool xen_features_known;
	uint32_t xen_features;
	char xen_version[24];
	const char *xen_pv_drivers[4];    /* "xen-blkfront", "xen-netfront" in use */
	int n_xen_pv_drivers;

	enum cell spectrum[COL_COUNT];

	struct v_device devices[EV_MAX_DEVICES];
	int n_devices;

	char clock_current[32];
	char clock_available[EV_MAX_CLOCKS][32];
	int n_clock_available;
	const char *clock_faster;         /* a faster clocksource this machine offers, or NULL */

	struct v_why why[V_MAX_WHY];
	int n_why;
	struct v_advice advice[V_MAX_ADVICE];
	int n_advice;

	enum confidence confidence;
	struct ev_problem problems[EV_MAX_PROBLEMS];
	int n_problems;
	bool dmesg_truncated;
};
