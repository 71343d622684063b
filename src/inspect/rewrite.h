#pragma once
/* Rewrite rules: pure functions from a guest config file's text to the text it needs under HVM.
 * Each one keeps every line it does not need to change byte for byte, and lists what it changed. */
#include <stdbool.h>
#include <stddef.h>

struct rewrite_env {
	const char *spec;     /* fs spec that names the root filesystem under HVM: "UUID=..." / "LABEL=/" */
	const char *console;  /* serial console the HVM guest gets: "ttyS0" */
	const char *root_dev; /* the PV device the guest mounts / from ("/dev/xvda1"), NULL when unknown */
	const char *fs_uuid;  /* this filesystem's UUID and (planned) label, to validate specs */
	const char *fs_label;
	const char *disk_dev; /* what the whole disk is called under the target, for device.map ("/dev/sda") */
};

struct rewrite_out {
	char *text;            /* new content (always set on success, even when unchanged) */
	size_t len;
	char **changes;        /* "line 3: /dev/xvda1 -> UUID=..." */
	size_t n_changes;
	char **notes;          /* to report as warnings: devices outside the image, consoles dropped */
	size_t n_notes;
};
void rewrite_out_free(struct rewrite_out *o);

/* Whether s names a Xen PV / emulated block device by kernel name: /dev/xvd*, /dev/sd*, /dev/hd*. */
bool rewrite_is_pv_device(const char *s, size_t n);
/* Whether spec ("LABEL=x", "UUID=y", a device path) names the root filesystem of env. */
bool rewrite_spec_is_root(const struct rewrite_env *env, const char *spec, size_t n);

/* A kernel command line (words after the kernel path): root=, resume=, console=. Returns a malloc'd line;
 * changes/notes are appended to out (prefix says where, e.g. "line 12"). */
char *rewrite_cmdline(const char *args, size_t n, const struct rewrite_env *env, const char *where,
		      struct rewrite_out *out);

/* Each returns 0 and fills out, or -ENOMEM. */
int rewrite_fstab(const char *in, size_t n, const struct rewrite_env *env, struct rewrite_out *out);
int rewrite_grub_legacy(const char *in, size_t n, const struct rewrite_env *env, struct rewrite_out *out);
int rewrite_grub2_cfg(const char *in, size_t n, const struct rewrite_env *env, struct rewrite_out *out);
int rewrite_default_grub(const char *in, size_t n, const struct rewrite_env *env, struct rewrite_out *out);
int rewrite_device_map(const char *in, size_t n, const struct rewrite_env *env, struct rewrite_out *out);
int rewrite_inittab(const char *in, size_t n, const struct rewrite_env *env, struct rewrite_out *out);
int rewrite_resume_conf(const char *in, size_t n, const struct rewrite_env *env, struct rewrite_out *out);
int rewrite_securetty(const char *in, size_t n, const struct rewrite_env *env, struct rewrite_out *out);

/* Validates an fstab: every non-comment line has 4 to 6 fields, and the "/" line's spec names this fs.
 * Returns 0, or -EINVAL with *problem (malloc'd: "line 3: 3 fields, want 4 to 6"). */
int rewrite_fstab_validate(const char *text, size_t n, const struct rewrite_env *env, char **problem);

/* The spec the "/" line of an fstab uses (malloc'd), NULL when there is none. */
char *rewrite_fstab_root_spec(const char *text, size_t n);
/* The value of root= in a kernel command line in a boot config (first kernel line), NULL when none. */
char *rewrite_cmdline_root(const char *args, size_t n);

/* grub.cfg for a guest that has only a GRUB legacy menu: serial terminal + legacy_configfile MENU. */
char *rewrite_legacy_wrapper_cfg(const char *menu_path, const char *console);
