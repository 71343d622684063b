/* Gatherers: one small function per evidence source, each reading through the root-relative reader. */
#include "detect/gather.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>

#include "detect/tables.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void problem(struct evidence *ev, const char *path, int err)
{
	/* Absence is evidence too (of absence); only what exists and cannot be read is a problem. */
	if (err == ENOENT || err == ENOTDIR || ev->n_problems >= EV_MAX_PROBLEMS)
		return;
	for (int i = 0; i < ev->n_problems; i++)
		if (!strcmp(ev->problems[i].path, path))
			return;
	snprintf(ev->problems[ev->n_problems].path, sizeof ev->problems[0].path, "%s", path);
	ev->problems[ev->n_problems++].error = err;
}

/* Printable ASCII only: snapshot files are outside data and end up on terminals. */
static void clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

static int line(const struct rootfs *r, struct evidence *ev, const char *path, char *buf, size_t size)
{
	int e = rootfs_read_line(r, path, buf, size);
	if (e < 0) {
		problem(ev, path, -e);
		buf[0] = 0;
		return e;
	}
	clean(buf);
	return 0;
}

static int data(const struct rootfs *r, struct evidence *ev, const char *path, size_t cap, struct rootfs_data *d)
{
	int e = rootfs_read(r, path, cap, d);
	if (e < 0)
		problem(ev, path, -e);
	return e;
}

static void gather_cpuid(const struct rootfs *r, struct evidence *ev)
{
	static const struct { const char *file; bool forced; } sources[] = {
		{ "cpuid.txt", false }, { "cpuid-xen-forced.txt", true },
	};
	for (size_t i = 0; i < N(sources); i++) {
		struct cpuid_dump *d = sources[i].forced ? &ev->cpuid_forced : &ev->cpuid;
		if (rootfs_is_live(r)) {
			cpuid_read_live(sources[i].forced, d);
			continue;
		}
		struct rootfs_data f;
		d->state = CPUID_ABSENT;
		if (data(r, ev, sources[i].file, 256 * 1024, &f) < 0)
			continue;
		cpuid_parse(f.buf, f.len, d);
		rootfs_data_free(&f);
	}
}

static void gather_hypervisor(const struct rootfs *r, struct evidence *ev)
{
	char buf[64], major[16], minor[16], extra[16];

	line(r, ev, "sys/hypervisor/type", ev->hv_type, sizeof ev->hv_type);
	line(r, ev, "sys/hypervisor/guest_type", ev->hv_guest_type, sizeof ev->hv_guest_type);
	if (line(r, ev, "sys/hypervisor/properties/features", buf, sizeof buf) == 0) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(buf, &end, 16);
		if (end != buf && !*end && !errno && v <= UINT32_MAX) {
			ev->hv_features = (uint32_t)v;
			ev->hv_features_known = true;
		}
	}
	if (line(r, ev, "sys/hypervisor/version/major", major, sizeof major) == 0 &&
	    line(r, ev, "sys/hypervisor/version/minor", minor, sizeof minor) == 0) {
		line(r, ev, "sys/hypervisor/version/extra", extra, sizeof extra);
		snprintf(ev->hv_version, sizeof ev->hv_version, "%.7s.%.7s%.8s", major, minor, extra);
	}

	struct rootfs_data d;
	if (data(r, ev, "proc/xen/capabilities", 4096, &d) == 0) {
		ev->xen_caps_present = true;
		ev->xen_control_d = memmem(d.buf, d.len, "control_d", 9) != NULL;
		rootfs_data_free(&d);
	} else if (rootfs_exists(r, "proc/xen") == 0) {
		/* xenfs mounted but capabilities unreadable: recorded as a problem above. */
	}
}

static bool has_word(const char *s, const char *end, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = s; p && p + n <= end; p++) {
		p = memmem(p, (size_t)(end - p), w, n);
		if (!p)
			return false;
		bool left = p == s || p[-1] == ' ' || p[-1] == '\t';
		bool right = p + n == end || p[n] == ' ' || p[n] == '\n' || p[n] == '\t';
		if (left && right)
			return true;
	}
	return false;
}

static void gather_cpuinfo(const struct rootfs *r, struct evidence *ev)
{
	struct rootfs_data d;

	if (data(r, ev, "proc/cpuinfo", GATHER_FILE_CAP, &d) < 0)
		return;
	ev->cpuinfo_present = true;
	const char *end = d.buf + d.len;
	/* The first CPU's "flags" line (x86); other architectures have "Features" and no such flags. */
	for (const char *p = d.buf; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *colon = le - p > 5 && !memcmp(p, "flags", 5) ? memchr(p, ':', (size_t)(le - p)) : NULL;
		if (colon) {
			ev->flag_hypervisor = has_word(colon + 1, le, "hypervisor");
			ev->flag_constant_tsc = has_word(colon + 1, le, "constant_tsc");
			ev->flag_nonstop_tsc = has_word(colon + 1, le, "nonstop_tsc");
			break;
		}
		p = nl ? nl + 1 : end;
	}
	rootfs_data_free(&d);
}

static void gather_dmi(const struct rootfs *r, struct evidence *ev)
{
	struct { const char *file; char *dst; } fields[] = {
		{ "sys_vendor", ev->dmi_sys_vendor }, { "product_name", ev->dmi_product_name },
		{ "product_version", ev->dmi_product_version }, { "board_vendor", ev->dmi_board_vendor },
		{ "bios_vendor", ev->dmi_bios_vendor }, { "bios_version", ev->dmi_bios_version },
		{ "chassis_vendor", ev->dmi_chassis_vendor }, { "chassis_asset_tag", ev->dmi_chassis_asset_tag },
	};
	char path[96];

	if (rootfs_exists(r, "sys/class/dmi/id") < 0)
		return;
	ev->dmi_present = true;
	for (size_t i = 0; i < N(fields); i++) {
		snprintf(path, sizeof path, "sys/class/dmi/id/%s", fields[i].file);
		line(r, ev, path, fields[i].dst, 64);
	}
}

/* Device-tree properties are NUL-separated string lists; the first string is what matters here. */
static void dt_string(const struct rootfs *r, struct evidence *ev, const char *path, char *dst, size_t size)
{
	struct rootfs_data d;
	if (data(r, ev, path, 4096, &d) < 0)
		return;
	snprintf(dst, size, "%s", d.buf);
	clean(dst);
	rootfs_data_free(&d);
}

static void gather_firmware(const struct rootfs *r, struct evidence *ev)
{
	dt_string(r, ev, "proc/device-tree/hypervisor/compatible", ev->dt_hypervisor_compatible,
		  sizeof ev->dt_hypervisor_compatible);
	dt_string(r, ev, "proc/device-tree/compatible", ev->dt_compatible, sizeof ev->dt_compatible);
	ev->dt_ibm_partition = rootfs_exists(r, "proc/device-tree/ibm,partition-name") == 0;

	struct rootfs_data d;
	if (data(r, ev, "proc/sysinfo", 64 * 1024, &d) == 0) {
		const char *k = "VM00 Control Program:";
		const char *p = memmem(d.buf, d.len, k, strlen(k));
		if (p) {
			p += strlen(k);
			while (*p == ' ')
				p++;
			size_t n = strcspn(p, "\n");
			snprintf(ev->s390_vm_cp, sizeof ev->s390_vm_cp, "%.*s", (int)n, p);
			clean(ev->s390_vm_cp);
		}
		rootfs_data_free(&d);
	}
}

static void gather_clocksource(const struct rootfs *r, struct evidence *ev)
{
	char buf[256];

	line(r, ev, "sys/devices/system/clocksource/clocksource0/current_clocksource", ev->clock_current,
	     sizeof ev->clock_current);
	if (line(r, ev, "sys/devices/system/clocksource/clocksource0/available_clocksource", buf, sizeof buf) < 0)
		return;
	for (char *save, *t = strtok_r(buf, " ", &save); t && ev->n_clock_available < EV_MAX_CLOCKS;
	     t = strtok_r(NULL, " ", &save))
		snprintf(ev->clock_available[ev->n_clock_available++], 32, "%s", t);
}

static unsigned hex_attr(const struct rootfs *r, const char *dir, const char *attr)
{
	char path[PATH_MAX], buf[32];
	snprintf(path, sizeof path, "%s/%s", dir, attr);
	if (rootfs_read_line(r, path, buf, sizeof buf) < 0)
		return 0;
	return (unsigned)strtoul(buf, NULL, 16);
}

/* Walks from a device directory up to sys/devices, collecting the drivers bound on the way. */
static void device_path(const struct rootfs *r, const char *real, struct ev_device *d)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], drv[32];
	int n = 0;

	snprintf(dir, sizeof dir, "%s", real);
	/* Up to the first driver the table knows (and, for NVMe, the PCI ids that tell QEMU's from hardware). */
	while (strlen(dir) > strlen("sys/devices") && n < (int)N(d->drivers)) {
		if (n && tables_driver(d->drivers[n - 1]) && (strcmp(d->drivers[n - 1], "nvme") || d->pci_vendor))
			break;
		snprintf(path, sizeof path, "%s/driver", dir);
		if (rootfs_link_name(r, path, drv, sizeof drv) == 0) {
			clean(drv);
			bool dup = false;
			for (int i = 0; i < n; i++)
				dup |= !strcmp(d->drivers[i], drv);
			if (!dup)
				snprintf(d->drivers[n++], sizeof d->drivers[0], "%s", drv);
		}
		const char *base = strrchr(dir, '/');
		if (!d->pci_vendor && base && strlen(base + 1) == 12 && base[5] == ':' && base[8] == ':' &&
		    base[11] == '.') {
			d->pci_vendor = (uint16_t)hex_attr(r, dir, "vendor");
			d->pci_device = (uint16_t)hex_attr(r, dir, "device");
		}
		if (strstr(base ? base : dir, "virtio_mmio") || strstr(base ? base : dir, ".virtio_mmio"))
			d->virtio_mmio = true;
		char *slash = strrchr(dir, '/');
		if (!slash)
			break;
		*slash = 0;
	}
}

/* DIR/LINK's target worked out from the link text alone, for snapshots that lost the empty directory at the
 * end of a sysfs link (git, for one, keeps no empty directories): the ancestors that hold the drivers are
 * still there. */
static int lexical_target(const struct rootfs *r, const char *dir, const char *link, char *out, size_t size)
{
	char t[PATH_MAX], joined[PATH_MAX * 2], res[PATH_MAX * 2] = "";
	size_t n = 0;

	if (rootfs_readlink(r, link, t, sizeof t) < 0)
		return -ENOENT;
	snprintf(joined, sizeof joined, "%s/%s", t[0] == '/' ? "" : dir, t);
	for (char *save, *c = strtok_r(joined, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			char *sl = strrchr(res, '/');
			n = sl ? (size_t)(sl - res) : 0;
			res[n] = 0;
			continue;
		}
		n += (size_t)snprintf(res + n, sizeof res - n, "%s%s", n ? "/" : "", c);
		if (n >= sizeof res)
			return -ENAMETOOLONG;
	}
	if (n >= size)
		return -ENAMETOOLONG;
	strcpy(out, res);
	return 0;
}

static bool skip_block(const char *name)
{
	static const char *const prefixes[] = { "loop", "ram", "zram", "dm-", "md", "nbd", "sr", "fd" };
	for (size_t i = 0; i < N(prefixes); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

static void gather_devices(const struct rootfs *r, struct evidence *ev)
{
	static const struct { const char *dir; enum dev_class cls; } classes[] = {
		{ "sys/block", DEV_DISK }, { "sys/class/net", DEV_NET },
	};
	char names[64][64], path[PATH_MAX], real[PATH_MAX];

	for (size_t c = 0; c < N(classes); c++) {
		int n = rootfs_list(r, classes[c].dir, names, 64);
		if (n < 0) {
			problem(ev, classes[c].dir, -n);
			continue;
		}
		for (int i = 0; i < n && ev->n_devices < EV_MAX_DEVICES; i++) {
			if (classes[c].cls == DEV_DISK && skip_block(names[i]))
				continue;
			snprintf(path, sizeof path, "%s/%s", classes[c].dir, names[i]);
			/* Sysfs class entries are relative links into sys/devices: working the target out from the
			 * link text is one readlink instead of a lookup per component. */
			if (lexical_target(r, classes[c].dir, path, real, sizeof real) < 0 &&
			    rootfs_realpath(r, path, real, sizeof real) < 0)
				continue;
			/* Software devices (lo, bridges, veth, tun) have no hardware below them. */
			if (strstr(real, "devices/virtual/"))
				continue;
			struct ev_device *d = &ev->devices[ev->n_devices++];
			memset(d, 0, sizeof *d);
			snprintf(d->name, sizeof d->name, "%s", names[i]);
			clean(d->name);
			d->cls = classes[c].cls;
			device_path(r, real, d);
		}
	}
}

static void gather_pci(const struct rootfs *r, struct evidence *ev)
{
	char names[EV_MAX_PCI][64], dir[128], path[160];
	int n = rootfs_list(r, "sys/bus/pci/devices", names, EV_MAX_PCI);

	for (int i = 0; i < n; i++) {
		struct ev_pci *p = &ev->pci[ev->n_pci++];
		snprintf(dir, sizeof dir, "sys/bus/pci/devices/%s", names[i]);
		p->vendor = (uint16_t)hex_attr(r, dir, "vendor");
		p->device = (uint16_t)hex_attr(r, dir, "device");
		p->class_code = hex_attr(r, dir, "class");
		snprintf(path, sizeof path, "%s/driver", dir);
		if (rootfs_link_name(r, path, p->driver, sizeof p->driver) == 0)
			clean(p->driver);
	}
}

static void gather_xenbus(const struct rootfs *r, struct evidence *ev)
{
	char names[EV_MAX_XENBUS][64], path[160];
	int n = rootfs_list(r, "sys/bus/xen/devices", names, EV_MAX_XENBUS);

	for (int i = 0; i < n; i++) {
		struct ev_xenbus *x = &ev->xenbus[ev->n_xenbus++];
		snprintf(x->name, sizeof x->name, "%s", names[i]);
		clean(x->name);
		snprintf(path, sizeof path, "sys/bus/xen/devices/%s/driver", names[i]);
		if (rootfs_link_name(r, path, x->driver, sizeof x->driver) == 0)
			clean(x->driver);
	}
}

static bool has(const char *p, size_t n, const char *word)
{
	return p && memmem(p, n, word, strlen(word)) != NULL;
}

static void gather_interrupts(const struct rootfs *r, struct evidence *ev)
{
	struct rootfs_data d;

	if (data(r, ev, "proc/interrupts", GATHER_FILE_CAP, &d) < 0)
		return;
	ev->interrupts_present = true;
	const char *end = d.buf + d.len;
	for (const char *p = d.buf; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t n = (size_t)(le - p);
		if (has(p, n, "xen-percpu") && has(p, n, "virq"))
			ev->irq_xen_percpu_virq++;
		else if (has(p, n, "xen-pirq"))
			ev->irq_xen_pirq++;
		else if (has(p, n, "xen-dyn"))
			ev->irq_xen_dyn++;
		if (has(p, n, "xen-platform-pci"))
			ev->irq_xen_platform++;
		p = nl ? nl + 1 : end;
	}
	rootfs_data_free(&d);
}

static void gather_modules(const struct rootfs *r, struct evidence *ev)
{
	struct rootfs_data d;

	if (data(r, ev, "proc/modules", GATHER_FILE_CAP, &d) < 0)
		return;
	ev->modules_present = true;
	for (char *save, *l = strtok_r(d.buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char name[64];
		size_t n = strcspn(l, " ");
		if (n >= sizeof name)
			continue;
		memcpy(name, l, n);
		name[n] = 0;
		int bit = tables_module(name);
		if (bit >= 0)
			ev->modules |= 1u << bit;
	}
	rootfs_data_free(&d);
}

static void gather_kernel(const struct rootfs *r, struct evidence *ev)
{
	char buf[512], path[160];

	if (line(r, ev, "proc/sys/kernel/osrelease", ev->osrelease, sizeof ev->osrelease) == 0)
		snprintf(ev->kernel_release, sizeof ev->kernel_release, "%s", ev->osrelease);
	/* Snapshots from an initramfs often lack /proc/sys: "Linux version RELEASE (...)" says it too. */
	if (!ev->kernel_release[0] && line(r, ev, "proc/version", buf, sizeof buf) == 0 &&
	    !strncmp(buf, "Linux version ", 14)) {
		size_t n = strcspn(buf + 14, " ");
		snprintf(ev->kernel_release, sizeof ev->kernel_release, "%.*s", (int)n, buf + 14);
	}
	line(r, ev, "proc/cmdline", ev->cmdline, sizeof ev->cmdline);

	ev->kconfig_xen_pvh = -1;
	if (ev->kernel_release[0]) {
		struct rootfs_data d;
		snprintf(path, sizeof path, "boot/config-%s", ev->kernel_release);
		if (rootfs_read(r, path, 4u << 20, &d) == 0) {
			ev->kconfig_xen_pvh = memmem(d.buf, d.len, "\nCONFIG_XEN_PVH=y", 17) ? 1 : 0;
			rootfs_data_free(&d);
		}
	}
}

/* The kernel log as syslog(2) gives it: "<6>[    0.000000] text" lines. */
static int read_klog(char **out, int *len)
{
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	if (size <= 0)
		size = 1 << 20;
	if ((unsigned)size > GATHER_DMESG_CAP)
		size = (int)GATHER_DMESG_CAP;
	char *raw = malloc((size_t)size + 1);
	if (!raw)
		return -ENOMEM;
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, raw, size);
	if (n < 0) {
		int e = -errno;
		free(raw);
		return e;
	}
	raw[n] = 0;
	*out = raw;
	*len = n;
	return 0;
}

int gather_live_dmesg(char **out, size_t *len)
{
	char *raw;
	int n, e = read_klog(&raw, &n);
	if (e < 0)
		return e;
	/* klogctl gives "<6>[    0.000000] text" lines; dmesg prints them without the "<6>". */
	char *o = malloc((size_t)n + 1);
	size_t k = 0;
	if (!o) {
		free(raw);
		return -ENOMEM;
	}
	for (int i = 0; i < n;) {
		if (raw[i] == '<') {
			int j = i + 1;
			while (j < n && j - i < 5 && isdigit((unsigned char)raw[j]))
				j++;
			if (j < n && raw[j] == '>')
				i = j + 1;
		}
		while (i < n && raw[i] != '\n')
			o[k++] = raw[i++];
		if (i < n)
			o[k++] = raw[i++];
	}
	o[k] = 0;
	free(raw);
	*out = o;
	*len = k;
	return 0;
}

static void gather_dmesg(const struct rootfs *r, struct evidence *ev)
{
	if (rootfs_is_live(r)) {
		/* The scanner takes the "<6>" prefixes as they come: no copy of the log. */
		char *raw;
		int n, e = read_klog(&raw, &n);
		if (e < 0) {
			problem(ev, "dmesg (kernel log)", -e);
			return;
		}
		ev->dmesg_present = true;
		dmesg_scan(raw, (size_t)n, &ev->dmesg);
		free(raw);
		return;
	}
	struct rootfs_data d;
	int e = rootfs_read(r, "dmesg.txt", GATHER_DMESG_CAP, &d);
	if (e < 0) {
		/* The same name as live, so a collected snapshot reports what the live run did. */
		problem(ev, "dmesg (kernel log)", -e);
		return;
	}
	ev->dmesg_present = true;
	ev->dmesg_truncated = d.truncated;
	dmesg_scan(d.buf, d.len, &ev->dmesg);
	rootfs_data_free(&d);
}

static void gather_containers(const struct rootfs *r, struct evidence *ev)
{
	struct rootfs_data d;
	char buf[64];

	ev->dockerenv = rootfs_exists(r, ".dockerenv") == 0;
	ev->containerenv = rootfs_exists(r, "run/.containerenv") == 0;
	ev->proc_vz = rootfs_exists(r, "proc/vz") == 0;
	ev->proc_bc = rootfs_exists(r, "proc/bc") == 0;

	if (line(r, ev, "run/host/container-manager", buf, sizeof buf) == 0 ||
	    line(r, ev, "run/systemd/container", buf, sizeof buf) == 0)
		snprintf(ev->container_manager, sizeof ev->container_manager, "%s", buf);

	if (data(r, ev, "proc/1/environ", 64 * 1024, &d) == 0) {
		ev->env_readable = true;
		for (size_t i = 0; i < d.len; i += strlen(d.buf + i) + 1)
			if (!strncmp(d.buf + i, "container=", 10)) {
				snprintf(ev->env_container, sizeof ev->env_container, "%s", d.buf + i + 10);
				clean(ev->env_container);
			}
		rootfs_data_free(&d);
	}

	if (data(r, ev, "proc/1/cgroup", 64 * 1024, &d) == 0) {
		static const char *const hints[] = { "/docker/", "/docker-", "/lxc/", "/lxc.payload", "kubepods",
						     "/libpod-", "/machine.slice/" };
		for (size_t i = 0; i < N(hints) && !ev->cgroup_hint[0]; i++)
			if (memmem(d.buf, d.len, hints[i], strlen(hints[i])))
				snprintf(ev->cgroup_hint, sizeof ev->cgroup_hint, "%s", hints[i]);
		rootfs_data_free(&d);
	}

	/* proot runs its guest under ptrace: our tracer's name says so. */
	if (data(r, ev, "proc/self/status", 64 * 1024, &d) == 0) {
		const char *t = memmem(d.buf, d.len, "\nTracerPid:", 11);
		long pid = t ? strtol(t + 11, NULL, 10) : 0;
		rootfs_data_free(&d);
		if (pid > 0 && pid < 1L << 22) {
			char path[64];
			snprintf(path, sizeof path, "proc/%ld/comm", pid);
			line(r, ev, path, ev->tracer_comm, sizeof ev->tracer_comm);
		}
	}
}

void gather_all(const struct rootfs *r, struct evidence *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->live = rootfs_is_live(r);
	gather_cpuid(r, ev);
	gather_hypervisor(r, ev);
	gather_cpuinfo(r, ev);
	gather_dmi(r, ev);
	gather_firmware(r, ev);
	gather_clocksource(r, ev);
	gather_devices(r, ev);
	gather_pci(r, ev);
	gather_xenbus(r, ev);
	gather_interrupts(r, ev);
	gather_modules(r, ev);
	gather_kernel(r, ev);
	gather_dmesg(r, ev);
	gather_containers(r, ev);
}
