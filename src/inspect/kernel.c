/* Kernels in /boot: HVM capability from the name and /boot/config-*, disk drivers from the initramfs,
 * modules.builtin and the config. */
#include "inspect/kernel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/output.h"
#include "inspect/initramfs.h"

#define CONFIG_MAX (4u << 20)
#define BUILTIN_MAX (4u << 20)
#define INITRAMFS_MAX (512u << 20)
#define UNPACKED_MAX (1536u << 20)

/* The disk drivers that matter, their module name and the config symbol that builds them in. */
static const struct {
	const char *module;
	const char *config;
} drivers[] = {
	{ "ata_piix", "CONFIG_ATA_PIIX" },
	{ "ahci", "CONFIG_SATA_AHCI" },
	{ "sd_mod", "CONFIG_BLK_DEV_SD" },
	{ "xen_blkfront", "CONFIG_XEN_BLKDEV_FRONTEND" },
	{ "virtio_blk", "CONFIG_VIRTIO_BLK" },
	{ "virtio_scsi", "CONFIG_SCSI_VIRTIO" },
	{ "virtio_pci", "CONFIG_VIRTIO_PCI" },
	{ "nvme", "CONFIG_BLK_DEV_NVME" },
};

/* Per target, alternatives of drivers that together reach the boot disk. "xen_blkfront" counts on Xen
 * HVM only for a PVHVM kernel: the emulated disk is unplugged for it only then. */
static const struct {
	enum plan_target target;
	const char *need[3];
	bool needs_pvhvm;
} routes[] = {
	{ PLAN_TARGET_XEN_HVM, { "ata_piix", "sd_mod" }, false },
	{ PLAN_TARGET_XEN_HVM, { "ahci", "sd_mod" }, false },
	{ PLAN_TARGET_XEN_HVM, { "xen_blkfront" }, true },
	{ PLAN_TARGET_KVM, { "virtio_blk", "virtio_pci" }, false },
	{ PLAN_TARGET_KVM, { "virtio_scsi", "virtio_pci", "sd_mod" }, false },
	{ PLAN_TARGET_NITRO, { "nvme" }, false },
};

static const char *const missing_text[] = {
	[PLAN_TARGET_XEN_HVM] = "ata_piix+sd_mod, ahci+sd_mod, or xen-blkfront with a PVHVM kernel",
	[PLAN_TARGET_KVM] = "virtio_blk+virtio_pci or virtio_scsi+virtio_pci+sd_mod",
	[PLAN_TARGET_NITRO] = "nvme",
};

static bool in_list(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static int add_unique(char ***v, size_t *n, const char *s)
{
	if (in_list(*v, *n, s))
		return 0;
	char *d = strdup(s);
	char **t = d ? realloc(*v, (*n + 1) * sizeof *t) : NULL;
	if (!t) {
		free(d);
		return -ENOMEM;
	}
	*v = t;
	t[(*n)++] = d;
	return 0;
}

bool kernel_has_disk_driver(const struct plan_kernel *k, enum plan_target t, const char **missing)
{
	for (size_t r = 0; r < sizeof routes / sizeof routes[0]; r++) {
		if (routes[r].target != t || (routes[r].needs_pvhvm && k->pvhvm != 1))
			continue;
		bool all = true;
		for (size_t d = 0; d < 3 && routes[r].need[d]; d++)
			all &= in_list(k->modules, k->n_modules, routes[r].need[d]) ||
			       in_list(k->builtin, k->n_builtin, routes[r].need[d]);
		if (all)
			return true;
	}
	if (missing)
		*missing = missing_text[t];
	return false;
}

bool kernel_version_is_xen_only(const char *v)
{
	/* Xen PV-only builds carry "xen" as a flavour: RHEL5 "2.6.18-398.el5xen", Debian "2.6.32-5-xen-amd64",
	 * SUSE "2.6.16.60-0.21-xen". Mainline PVHVM kernels have no such suffix. */
	for (const char *p = strstr(v, "xen"); p; p = strstr(p + 1, "xen")) {
		bool right = p[3] == '\0' || p[3] == '-';
		bool left = p == v || p[-1] == '-' || p[-1] == '.' || (p[-1] >= '0' && p[-1] <= '9');
		if (left && right)
			return true;
	}
	return false;
}

/* "CONFIG_X=y" -> 1, "=m" -> 2, "# CONFIG_X is not set" or absent -> 0. */
static int config_value(const char *cfg, size_t len, const char *sym)
{
	size_t sl = strlen(sym);

	for (size_t i = 0; i < len;) {
		const char *e = memchr(cfg + i, '\n', len - i);
		size_t l = e ? (size_t)(e - (cfg + i)) : len - i;
		if (l == sl + 2 && !memcmp(cfg + i, sym, sl) && cfg[i + sl] == '=')
			return cfg[i + sl + 1] == 'y' ? 1 : cfg[i + sl + 1] == 'm' ? 2 : 0;
		i += l + 1;
	}
	return 0;
}

static const char *const initramfs_names[] = {
	"/boot/initrd.img-%s",      /* Debian, Ubuntu */
	"/boot/initramfs-%s.img",   /* RHEL 6+, Fedora, Amazon Linux */
	"/boot/initrd-%s.img",      /* RHEL 5 */
	"/boot/initrd-%s",          /* SUSE */
	"/boot/initrd.img-%s.img",
};

static int read_initramfs(const struct image *img, struct plan_kernel *k, char ***mods, size_t *nmods,
			  char ***builtin, size_t *nbuiltin)
{
	for (size_t i = 0; i < sizeof initramfs_names / sizeof initramfs_names[0]; i++) {
		char *path, *buf;
		size_t len;
		if (asprintf(&path, initramfs_names[i], k->version) < 0)
			return -ENOMEM;
		int r = image_read_file(img, path, INITRAMFS_MAX, &buf, &len);
		if (r == -ENOENT || r == -ENOTDIR) {
			free(path);
			continue;
		}
		k->initramfs = path;
		if (r < 0) {
			if (asprintf(&k->initramfs_error, "cannot read it: %s", strerror(-r)) < 0)
				return -ENOMEM;
			return 0;
		}
		struct initramfs_info info;
		char err[256];
		r = initramfs_parse((unsigned char *)buf, len, UNPACKED_MAX, &info, err, sizeof err);
		free(buf);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return (k->initramfs_error = strdup(err)) ? 0 : -ENOMEM;
		k->initramfs_files = info.n_files;
		k->initramfs_compression = strdup(info.compression);
		k->has_initramfs_modules = true;
		*mods = info.modules;
		*nmods = info.n_modules;
		*builtin = info.builtin;
		*nbuiltin = info.n_builtin;
		info.modules = info.builtin = NULL;
		info.n_modules = info.n_builtin = 0;
		initramfs_info_free(&info);
		return k->initramfs_compression ? 0 : -ENOMEM;
	}
	return 0;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int inspect_kernel(const struct image *img, struct plan_kernel *k)
{
	char *path, *cfg = NULL;
	size_t cfglen = 0;
	int r;

	k->xen_only = kernel_version_is_xen_only(k->version);
	k->pvhvm = k->pvh = -1;
	if (asprintf(&path, "/boot/config-%s", k->version) < 0)
		return -ENOMEM;
	r = image_read_file(img, path, CONFIG_MAX, &cfg, &cfglen);
	free(path);
	if (r == -ENOMEM)
		return r;
	if (r == 0) {
		k->pvhvm = config_value(cfg, cfglen, "CONFIG_XEN_PVHVM") == 1;
		k->pvh = config_value(cfg, cfglen, "CONFIG_XEN_PVH") == 1;
		for (size_t d = 0; d < sizeof drivers / sizeof drivers[0]; d++)
			if (config_value(cfg, cfglen, drivers[d].config) == 1 &&
			    add_unique(&k->builtin, &k->n_builtin, drivers[d].module) < 0)
				goto oom;
	}

	/* modules.builtin of the installed kernel: the same facts when there is no config */
	char *bl = NULL;
	size_t bllen;
	if (asprintf(&path, "/lib/modules/%s/modules.builtin", k->version) < 0)
		goto oom;
	r = image_read_file(img, path, BUILTIN_MAX, &bl, &bllen);
	free(path);
	char **names = NULL, **imods = NULL, **ibuilt = NULL;
	size_t nnames = 0, nimods = 0, nibuilt = 0;
	if (r == 0 && initramfs_add_builtin(&names, &nnames, bl, bllen) < 0) {
		free(bl);
		goto oom;
	}
	free(bl);
	if (read_initramfs(img, k, &imods, &nimods, &ibuilt, &nibuilt) < 0)
		goto oom_lists;
	for (size_t d = 0; d < sizeof drivers / sizeof drivers[0]; d++) {
		const char *m = drivers[d].module;
		if ((in_list(names, nnames, m) || in_list(ibuilt, nibuilt, m)) &&
		    add_unique(&k->builtin, &k->n_builtin, m) < 0)
			goto oom_lists;
		if (in_list(imods, nimods, m) && add_unique(&k->modules, &k->n_modules, m) < 0)
			goto oom_lists;
	}
	free_list(names, nnames);
	free_list(imods, nimods);
	free_list(ibuilt, nibuilt);
	free(cfg);
	return 0;
oom_lists:
	free_list(names, nnames);
	free_list(imods, nimods);
	free_list(ibuilt, nibuilt);
oom:
	free(cfg);
	return -ENOMEM;
}

static int kernel_cmp(const void *a, const void *b)
{
	/* newest first */
	return strverscmp(((const struct plan_kernel *)b)->version, ((const struct plan_kernel *)a)->version);
}

int kernel_scan(const struct image *img, struct plan *p)
{
	struct image_dirent *ents;
	size_t n;

	if (image_list_dir(img, "/boot", &ents, &n) < 0)
		return 0;
	size_t total = 0, done = 0;
	for (size_t i = 0; i < n; i++)
		total += !strncmp(ents[i].name, "vmlinuz-", 8);
	for (size_t i = 0; i < n; i++) {
		const char *name = ents[i].name;
		if (strncmp(name, "vmlinuz-", 8) || !name[8] || ents[i].type == IMAGE_FT_DIR)
			continue;
		/* unpacking an initramfs takes a second or two each */
		output_progress("initramfs", done++, total);
		struct plan_kernel *t = realloc(p->kernels, (p->n_kernels + 1) * sizeof *t);
		if (!t)
			goto oom;
		p->kernels = t;
		struct plan_kernel *k = &t[p->n_kernels];
		memset(k, 0, sizeof *k);
		k->version = strdup(name + 8);
		if (!k->version || asprintf(&k->path, "/boot/%s", name) < 0)
			goto oom;
		p->n_kernels++;
		if (inspect_kernel(img, k) < 0)
			goto oom;
	}
	if (total)
		output_progress("initramfs", total, total);
	image_dirents_free(ents, n);
	if (p->n_kernels > 1)
		qsort(p->kernels, p->n_kernels, sizeof *p->kernels, kernel_cmp);
	return 0;
oom:
	image_dirents_free(ents, n);
	return -ENOMEM;
}
