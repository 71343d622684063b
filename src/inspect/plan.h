#pragma once
/* The conversion plan: everything `convert` will change inside the guest filesystem, and everything that
 * stands in its way. `check` is the plan printed; `convert` is the plan executed.
 *
 * For the convert engineer — how to consume a plan:
 *   1. image_open(input) (image.h), plan_build(img, &opts, &plan). If plan->n_blockers > 0, refuse:
 *      print each blocker's reason and fix (plan_print_human does) and exit non-zero, unless --force.
 *   2. Copy the filesystem at img->fs_offset (img->fs is the read-only source) to partition 1 of the output.
 *   3. Open the *output* fs (RW, "OUT?offset=1048576") and apply, in this order:
 *      a. plan->edits[]: for each, first write a copy of the current file to edit.orig_path (same owner,
 *         mode, times), then replace the content of edit.path *in place* (ext2fs_file_write +
 *         ext2fs_file_set_size2) with edit.content/edit.len. edit.path is already symlink-resolved
 *         (CentOS /boot/grub/menu.lst -> grub.conf: the plan names /boot/grub/grub.conf).
 *      b. plan->creates[]: new regular files (e.g. /boot/grub/grub.cfg for a menu.lst-only guest), with
 *         create.mode, owner root:root; create missing parent directories (they are listed in
 *         plan->mkdirs[] in order, mode 0755). A create never replaces an existing file.
 *      c. plan->link_removes[]: unlink the symlink at .path (its old target is in .target, for the report).
 *      d. plan->link_adds[]: create a symlink at .path pointing at .target.
 *      e. plan->set_label: when non-NULL, set the fs label to it (s_volume_name). NULL = leave the label.
 *   4. Install GRUB 2 with prefix (hd0,msdos1)/boot/grub: after step 3, /boot/grub/grub.cfg always exists
 *      in the plan's result (edited or created), so the prefix is fixed.
 *   5. The printed summary: plan_print_human() already lists every change and the per-platform advice;
 *      convert may print it as is (to stdout) after writing.
 * Every string in a plan is owned by it; plan_free() releases all. Paths are absolute inside the fs. */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

#include "inspect/image.h"

enum plan_target {
	PLAN_TARGET_XEN_HVM, /* Xen HVM: emulated IDE/AHCI disk first, xen-blkfront after PV drivers load */
	PLAN_TARGET_KVM,     /* KVM/QEMU with virtio disks */
	PLAN_TARGET_NITRO,   /* EC2 Nitro: NVMe EBS volumes */
};
const char *plan_target_to_string(enum plan_target t); /* "xen-hvm", "kvm", "nitro" */
int plan_target_from_string(const char *s, enum plan_target *t);

struct plan_opts {
	enum plan_target target;
	const char *console; /* serial console the HVM guest gets: "ttyS0" (default when NULL) */
	const char *label;   /* --label: use LABEL=<label> and set it; NULL = reuse what the guest uses */
};

enum plan_verdict {
	PLAN_READY,              /* nothing to change; boots as HVM as it is (after the disk layout change) */
	PLAN_READY_WITH_CHANGES, /* boots after the listed edits */
	PLAN_BLOCKED,            /* at least one blocker */
};
const char *plan_verdict_to_string(enum plan_verdict v); /* "ready", "ready-with-changes", "blocked" */

/* One change to an existing file: full new content plus the list of line changes for printing. */
struct plan_edit {
	char *path;       /* file to rewrite (symlinks resolved) */
	char *orig_path;  /* where to keep the original: path + ".virtmode-orig" */
	char *content;    /* new content, len bytes (NUL-terminated for convenience) */
	size_t len;
	char *reason;     /* why this file changes, one line */
	char **changes;   /* human lines: "line 3: /dev/xvda1 -> UUID=...", n_changes of them */
	size_t n_changes;
};

struct plan_create {
	char *path;
	char *content;
	size_t len;
	unsigned mode;    /* permission bits, e.g. 0644 */
	char *reason;
};

struct plan_link {
	char *path;       /* the symlink */
	char *target;     /* link_adds: what it points at; link_removes: what it pointed at */
	char *reason;
};

/* A blocker stops the conversion; a warning is reported and the conversion goes on. */
struct plan_issue {
	char *code;       /* stable identifier for JSON and tests: "initramfs-no-disk-driver", ... */
	char *reason;     /* what is wrong, one line */
	char *fix;        /* what the user can do, one line ("" when nothing) */
};

/* What inspection found, for the report (convert may ignore it). */
struct plan_kernel {
	char *version;          /* "6.1.0-18-amd64", from /boot/vmlinuz-<version> */
	char *path;             /* /boot/vmlinuz-... */
	char *initramfs;        /* /boot/initrd.img-... or initramfs-....img, NULL when none */
	bool xen_only;          /* a -xen / kernel-xen build: cannot boot as HVM */
	int pvhvm, pvh;         /* CONFIG_XEN_PVHVM / CONFIG_XEN_PVH: 1 yes, 0 no, -1 no /boot/config-* */
	bool is_default;        /* the one the boot loader boots by default */
	char **modules;         /* disk driver modules the initramfs carries ("ata_piix", "xen_blkfront", ...) */
	size_t n_modules;
	char **builtin;         /* disk drivers built into the kernel (modules.builtin or CONFIG_...=y) */
	size_t n_builtin;
	bool has_initramfs_modules; /* the initramfs was read (modules[] is the whole truth) */
	size_t initramfs_files; /* entries in its cpio, 0 when unread */
	char *initramfs_compression; /* "gzip", "xz", "zstd", "lz4", "none", NULL when unread */
	char *initramfs_error;  /* why it could not be read, NULL when fine */
	bool has_target_driver; /* initramfs or modules.builtin has a driver for the target's disk */
};

struct plan_bootcfg {
	char *path;       /* as found (e.g. /boot/grub/menu.lst) */
	char *kind;       /* "grub-legacy", "grub2", "grub-default", "device.map" */
	char *consoles;   /* console= values seen in kernel lines, space-separated, "" when none */
};

struct plan {
	enum plan_target target;
	char *console;          /* "ttyS0" */
	char *root_spec;        /* fs spec the rewritten configs use: "LABEL=/" or "UUID=..." */
	char *set_label;        /* non-NULL: convert sets the fs label to this */
	bool legacy_configfile; /* a menu.lst-only guest, booted through GRUB 2's legacy_configfile */
	enum plan_verdict verdict;

	/* the filesystem, for the report */
	char *fs_type, *fs_label, *fs_uuid, *fs_features;
	unsigned block_size;
	unsigned long long fs_bytes, used_bytes;
	char *layout;           /* "bare", "msdos", "gpt" */

	struct plan_edit *edits;     size_t n_edits;
	struct plan_create *creates; size_t n_creates;
	char **mkdirs;               size_t n_mkdirs;
	struct plan_link *link_removes; size_t n_link_removes;
	struct plan_link *link_adds;    size_t n_link_adds;
	struct plan_issue *blockers; size_t n_blockers;
	struct plan_issue *warnings; size_t n_warnings;
	struct plan_kernel *kernels; size_t n_kernels;
	struct plan_bootcfg *bootcfgs; size_t n_bootcfgs;
	char **gettys;               size_t n_gettys; /* consoles with a getty: "hvc0 (systemd)", "hvc0 (inittab)" */
};

/* Inspects img and builds the plan for opts. Returns 0 and *out (free with plan_free) even when the
 * plan is blocked; a negative errno only when the image could not be read at all (-ENOMEM, -EIO). */
int plan_build(const struct image *img, const struct plan_opts *opts, struct plan **out);
void plan_free(struct plan *p);

/* The whole plan as JSON (the `check --json` document). Caller owns the reference. */
struct json_object *plan_to_json(const struct plan *p);

/* The human report: filesystem, kernels, boot configs, changes, blockers, warnings, verdict, and
 * what to change outside the image per platform. color: use ANSI colour (output_use_color()). */
void plan_print_human(const struct plan *p, const char *image_path, FILE *out, bool color);
