/* Building the conversion plan: gather (read configs and kernels from the image), then decide (spec,
 * rewrites, blockers), then report (plan_to_json, plan_print_human). Nothing here writes anything. */
#include "inspect/plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <e2p/e2p.h>

#include "inspect/kernel.h"
#include "inspect/rewrite.h"

#define CONFIG_FILE_MAX (1u << 20)

/* Incompat features GRUB 2.06's ext2.c reads (EXT2_DRIVER_SUPPORTED_INCOMPAT), plus the two it ignores
 * (needs_recovery, reported separately; mmp). Anything else and GRUB refuses the filesystem. */
static const uint32_t grub_incompat_ok = EXT2_FEATURE_INCOMPAT_FILETYPE | EXT3_FEATURE_INCOMPAT_EXTENTS |
					 EXT4_FEATURE_INCOMPAT_FLEX_BG | EXT2_FEATURE_INCOMPAT_META_BG |
					 EXT4_FEATURE_INCOMPAT_64BIT | EXT4_FEATURE_INCOMPAT_ENCRYPT |
					 EXT3_FEATURE_INCOMPAT_RECOVER | EXT4_FEATURE_INCOMPAT_MMP;

static const char *const target_names[] = {
	[PLAN_TARGET_XEN_HVM] = "xen-hvm", [PLAN_TARGET_KVM] = "kvm", [PLAN_TARGET_NITRO] = "nitro" };
static const char *const verdict_names[] = {
	[PLAN_READY] = "ready", [PLAN_READY_WITH_CHANGES] = "ready-with-changes", [PLAN_BLOCKED] = "blocked" };
static const char *const layout_names[] = {
	[IMAGE_LAYOUT_BARE] = "bare", [IMAGE_LAYOUT_MSDOS] = "msdos", [IMAGE_LAYOUT_GPT] = "gpt" };
/* What the whole disk is called under each target, for device.map. */
static const char *const target_disk[] = {
	[PLAN_TARGET_XEN_HVM] = "/dev/sda", [PLAN_TARGET_KVM] = "/dev/vda", [PLAN_TARGET_NITRO] = "/dev/nvme0n1" };

const char *plan_target_to_string(enum plan_target t) { return t <= PLAN_TARGET_NITRO ? target_names[t] : "?"; }
const char *plan_verdict_to_string(enum plan_verdict v) { return v <= PLAN_BLOCKED ? verdict_names[v] : "?"; }

int plan_target_from_string(const char *s, enum plan_target *t)
{
	for (size_t i = 0; i < sizeof target_names / sizeof target_names[0]; i++)
		if (!strcmp(s, target_names[i])) {
			*t = (enum plan_target)i;
			return 0;
		}
	return -EINVAL;
}

/* ---- building blocks; on allocation failure they set b->oom and plan_build returns -ENOMEM ---- */

struct build {
	const struct image *img;
	const struct plan_opts *opts;
	struct plan *p;
	struct rewrite_env env;
	bool oom;
	char *fstab, *root_dev;  /* /etc/fstab content, the PV device it mounts / from */
	size_t fstab_len;
};

static void *grow(struct build *b, void *arr, size_t *n, size_t size)
{
	char *t = realloc(arr, (*n + 1) * size);
	if (!t) {
		b->oom = true;
		return NULL;
	}
	memset(t + *n * size, 0, size);
	(*n)++;
	return t;
}

static char *dup(struct build *b, const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		b->oom = true;
	return d;
}

static char *fmt(struct build *b, const char *f, ...) __attribute__((format(printf, 2, 3)));
static char *fmt(struct build *b, const char *f, ...)
{
	va_list ap;
	char *s;

	va_start(ap, f);
	int r = vasprintf(&s, f, ap);
	va_end(ap);
	if (r < 0) {
		b->oom = true;
		return NULL;
	}
	return s;
}

static void issue(struct build *b, bool blocker, const char *code, char *reason, const char *fix)
{
	struct plan *p = b->p;
	struct plan_issue **arr = blocker ? &p->blockers : &p->warnings;
	size_t *n = blocker ? &p->n_blockers : &p->n_warnings;
	/* the same file read by two passes reports its problem once */
	for (size_t i = 0; reason && i < *n; i++)
		if (!strcmp((*arr)[i].code, code) && !strcmp((*arr)[i].reason, reason)) {
			free(reason);
			return;
		}
	struct plan_issue *t = grow(b, *arr, n, sizeof *t);

	if (!t) {
		free(reason);
		return;
	}
	*arr = t;
	t[*n - 1] = (struct plan_issue){ dup(b, code), reason ? reason : dup(b, ""), dup(b, fix) };
}

static void add_edit(struct build *b, const char *path, const char *reason, struct rewrite_out *o)
{
	struct plan *p = b->p;
	struct plan_edit *t = grow(b, p->edits, &p->n_edits, sizeof *t);

	if (!t)
		return;
	p->edits = t;
	struct plan_edit *e = &t[p->n_edits - 1];
	e->path = dup(b, path);
	e->orig_path = fmt(b, "%s.virtmode-orig", path);
	e->reason = dup(b, reason);
	e->content = o->text;
	e->len = o->len;
	e->changes = o->changes;
	e->n_changes = o->n_changes;
	o->text = NULL;
	o->changes = NULL;
	o->n_changes = 0;
}

static void add_create(struct build *b, const char *path, char *content, unsigned mode, const char *reason)
{
	struct plan *p = b->p;
	struct plan_create *t = grow(b, p->creates, &p->n_creates, sizeof *t);

	if (!t || !content) {
		free(content);
		b->oom = true;
		return;
	}
	p->creates = t;
	t[p->n_creates - 1] = (struct plan_create){ dup(b, path), content, strlen(content), mode, dup(b, reason) };
}

static void add_link(struct build *b, bool add, const char *path, const char *target, const char *reason)
{
	struct plan *p = b->p;
	struct plan_link **arr = add ? &p->link_adds : &p->link_removes;
	size_t *n = add ? &p->n_link_adds : &p->n_link_removes;
	struct plan_link *t = grow(b, *arr, n, sizeof *t);

	if (!t)
		return;
	*arr = t;
	t[*n - 1] = (struct plan_link){ dup(b, path), dup(b, target), dup(b, reason) };
}

static void add_str(struct build *b, char ***v, size_t *n, char *s)
{
	char **t = s ? grow(b, *v, n, sizeof *t) : NULL;

	if (!t) {
		free(s);
		b->oom = true;
		return;
	}
	*v = t;
	t[*n - 1] = s;
}

/* Reads a config file; absent -> NULL. Too large or unreadable -> a warning, NULL. */
static char *read_config(struct build *b, const char *path, size_t *len)
{
	char *buf;
	int r = image_read_file(b->img, path, CONFIG_FILE_MAX, &buf, len);

	if (r == 0)
		return buf;
	if (r == -ENOMEM)
		b->oom = true;
	else if (r != -ENOENT && r != -ENOTDIR)
		issue(b, false, "config-unreadable", fmt(b, "%s: %s; left as it is", path, strerror(-r)), "");
	return NULL;
}

/* Applies a rewrite rule to the file at path, when it exists; adds an edit when it changes anything and
 * turns its notes into warnings. Returns whether the file was there. */
static bool rewrite_file(struct build *b, const char *path, const char *reason, const char *note_code,
			 int (*rule)(const char *, size_t, const struct rewrite_env *, struct rewrite_out *))
{
	size_t len;
	char *resolved = NULL;
	char *text = read_config(b, path, &len);
	struct rewrite_out o;

	if (!text)
		return false;
	if (image_resolve(b->img, path, NULL, &resolved) < 0 || !resolved) {
		free(text);
		free(resolved);
		return true;
	}
	/* an edit of the same file under another name (menu.lst -> grub.conf) is made once */
	for (size_t i = 0; i < b->p->n_edits; i++)
		if (!strcmp(b->p->edits[i].path, resolved)) {
			free(text);
			free(resolved);
			return true;
		}
	if (rule(text, len, &b->env, &o) < 0) {
		b->oom = true;
	} else {
		for (size_t i = 0; i < o.n_notes; i++)
			issue(b, false, note_code, fmt(b, "%s %s", resolved, o.notes[i]), "");
		if (o.n_changes)
			add_edit(b, resolved, reason, &o);
		rewrite_out_free(&o);
	}
	free(text);
	free(resolved);
	return true;
}

/* ---- filesystem ---- */

static void check_features(struct build *b)
{
	const struct image *img = b->img;
	uint32_t bad = img->feature_incompat & ~grub_incompat_ok;

	if (bad) {
		char names[256] = "";
		for (int bit = 0; bit < 32; bit++)
			if (bad & (1u << bit)) {
				size_t l = strlen(names);
				snprintf(names + l, sizeof names - l, "%s%s", l ? " " : "",
					 e2p_feature2string(E2P_FEATURE_INCOMPAT, 1u << bit));
			}
		issue(b, true, "fs-feature-unsupported-by-grub",
		      fmt(b, "the filesystem uses ext features GRUB 2.06 cannot read: %s", names),
		      "copy the files to a filesystem made without them (mke2fs -O ^inline_data,... -d DIR), "
		      "or turn the feature off with tune2fs where it can be (e.g. tune2fs -O ^metadata_csum_seed)");
	}
	if (img->needs_recovery)
		issue(b, true, "journal-needs-recovery",
		      fmt(b, "the journal holds transactions that were never replayed (the guest was not cleanly "
			  "shut down); GRUB ignores the journal and would read stale data"),
		      "replay it on a copy: cp --sparse=always IMAGE COPY && e2fsck -fy COPY, then convert COPY");
	if (img->has_errors)
		issue(b, false, "fs-has-errors",
		      fmt(b, "the kernel recorded errors on this filesystem"), "run e2fsck -f on a copy first");
	if (img->partition > 1)
		issue(b, false, "not-first-partition",
		      fmt(b, "the filesystem is partition %d of the %s disk; only it is converted", img->partition,
			  layout_names[img->layout]), "");
}

/* ---- which spec names the root fs ---- */

static char *unquote_spec(struct build *b, const char *s)
{
	char *d = dup(b, s);
	if (!d)
		return NULL;
	char *w = d;
	for (const char *r = d; *r; r++)
		if (*r != '"')
			*w++ = *r;
	*w = '\0';
	return d;
}

static void choose_spec(struct build *b, const char *cmdline_root)
{
	struct plan *p = b->p;
	const struct image *img = b->img;
	char *fst = b->fstab ? rewrite_fstab_root_spec(b->fstab, b->fstab_len) : NULL;
	const char *cands[2] = { fst, cmdline_root };

	if (fst && rewrite_is_pv_device(fst, strlen(fst)))
		b->root_dev = dup(b, fst);
	else if (cmdline_root && rewrite_is_pv_device(cmdline_root, strlen(cmdline_root)))
		b->root_dev = dup(b, cmdline_root);

	if (b->opts->label) {
		p->root_spec = fmt(b, "LABEL=%s", b->opts->label);
		if (strcmp(img->label, b->opts->label))
			p->set_label = dup(b, b->opts->label);
		goto out;
	}
	/* What the guest already uses, in order: its fstab, then its kernel command line. A label is only
	 * ever set because a config the guest keeps uses it. */
	for (int i = 0; i < 2; i++) {
		if (!cands[i])
			continue;
		char *s = unquote_spec(b, cands[i]);
		if (!s)
			break;
		if (!strncmp(s, "LABEL=", 6) && s[6]) {
			p->root_spec = s;
			if (strcmp(img->label, s + 6))
				p->set_label = dup(b, s + 6);
			goto out;
		}
		if (!strncasecmp(s, "UUID=", 5) && !strcasecmp(s + 5, img->uuid)) {
			p->root_spec = s;
			goto out;
		}
		free(s);
	}
	p->root_spec = fmt(b, "UUID=%s", img->uuid);
out:
	if (p->set_label && strlen(p->set_label) > EXT2_LABEL_LEN)
		issue(b, true, "label-too-long", fmt(b, "label '%s' is longer than ext's 16 bytes", p->set_label),
		      "use a shorter --label");
	free(fst);
}

/* ---- boot configs ---- */

/* The console= values and the first kernel path and root= of a boot config, for the report. */
static void scan_bootcfg(const char *text, size_t len, bool legacy, char **consoles, char **kernel_path,
			 char **root)
{
	size_t cl = 0, cap = 256;
	char *c = malloc(cap);
	int deflt = 0, title = -1;

	*kernel_path = *root = NULL;
	if (c)
		c[0] = '\0';
	for (size_t i = 0; i < len;) {
		const char *e = memchr(text + i, '\n', len - i);
		size_t l = e ? (size_t)(e - (text + i)) : len - i;
		const char *s = text + i;
		size_t k = 0;
		while (k < l && (s[k] == ' ' || s[k] == '\t'))
			k++;
		if (legacy && l - k > 8 && !strncmp(s + k, "default", 7) && (s[k + 7] == '=' || s[k + 7] == ' '))
			deflt = atoi(s + k + 8);
		if (legacy && l - k > 5 && !strncmp(s + k, "title", 5))
			title++;
		bool kl = legacy ? (l - k > 7 && !strncmp(s + k, "kernel", 6) && (s[k + 6] == ' ' || s[k + 6] == '\t'))
				 : (l - k > 6 && !strncmp(s + k, "linux", 5) &&
				    (s[k + 5] == ' ' || s[k + 5] == '\t' || !strncmp(s + k + 5, "16 ", 3)));
		if (kl) {
			size_t ps = k + (legacy ? 6 : 5);
			while (ps < l && s[ps] != ' ' && s[ps] != '\t')
				ps++;
			while (ps < l && (s[ps] == ' ' || s[ps] == '\t'))
				ps++;
			size_t pe = ps;
			while (pe < l && s[pe] != ' ' && s[pe] != '\t')
				pe++;
			if (!*kernel_path && (!legacy || title == deflt || title < 0)) {
				*kernel_path = strndup(s + ps, pe - ps);
				*root = rewrite_cmdline_root(s + pe, l - pe);
			}
			for (size_t w = pe; w < l;) {
				while (w < l && (s[w] == ' ' || s[w] == '\t'))
					w++;
				size_t we = w;
				while (we < l && s[we] != ' ' && s[we] != '\t' && s[we] != '\r')
					we++;
				if (c && we - w > 8 && !strncmp(s + w, "console=", 8)) {
					size_t vl = we - w - 8;
					char v[64];
					snprintf(v, sizeof v, "%.*s", (int)(vl < 63 ? vl : 63), s + w + 8);
					if (!strstr(c, v) && cl + vl + 2 < cap) {
						cl += (size_t)snprintf(c + cl, cap - cl, "%s%s", cl ? " " : "", v);
					}
				}
				w = we;
			}
		}
		i += l + 1;
	}
	*consoles = c;
}

struct bootcfg_kind {
	const char *path;
	const char *kind;
	bool legacy;
};

static const struct bootcfg_kind bootcfg_paths[] = {
	{ "/boot/grub/grub.cfg", "grub2", false },
	{ "/boot/grub2/grub.cfg", "grub2", false },
	{ "/boot/grub/menu.lst", "grub-legacy", true },
	{ "/boot/grub/grub.conf", "grub-legacy", true },
	{ "/boot/grub/device.map", "device.map", false },
	{ "/boot/grub2/device.map", "device.map", false },
	{ "/etc/default/grub", "grub-default", false },
};

/* Returns the default kernel's path from the boot config GRUB will read, and its root= */
static void boot_configs(struct build *b, char **kernel_path, char **cmd_root)
{
	struct plan *p = b->p;
	const char *grub2 = NULL, *legacy = NULL;

	*kernel_path = *cmd_root = NULL;
	for (size_t i = 0; i < sizeof bootcfg_paths / sizeof bootcfg_paths[0]; i++) {
		const struct bootcfg_kind *k = &bootcfg_paths[i];
		size_t len;
		char *text = read_config(b, k->path, &len);
		if (!text)
			continue;
		/* menu.lst is often a symlink to grub.conf (RHEL, CentOS): one file, listed once */
		char *resolved = NULL;
		bool seen = false;
		image_resolve(b->img, k->path, NULL, &resolved);
		for (size_t j = 0; resolved && j < i; j++) {
			char *other = NULL;
			if (image_resolve(b->img, bootcfg_paths[j].path, NULL, &other) == 0 && !strcmp(other, resolved))
				seen = true;
			free(other);
		}
		free(resolved);
		if (seen) {
			free(text);
			continue;
		}
		struct plan_bootcfg *t = grow(b, p->bootcfgs, &p->n_bootcfgs, sizeof *t);
		if (!t) {
			free(text);
			return;
		}
		p->bootcfgs = t;
		struct plan_bootcfg *c = &t[p->n_bootcfgs - 1];
		c->path = dup(b, k->path);
		c->kind = dup(b, k->kind);
		char *kp = NULL, *root = NULL;
		if (!strcmp(k->kind, "grub2") || k->legacy) {
			scan_bootcfg(text, len, k->legacy, &c->consoles, &kp, &root);
			if (!c->consoles)
				b->oom = true;
		} else {
			c->consoles = dup(b, "");
		}
		if (!strcmp(k->kind, "grub2") && !grub2)
			grub2 = k->path;
		if (k->legacy && !legacy)
			legacy = k->path;
		/* the config GRUB will read decides the default kernel: grub.cfg first, then menu.lst */
		if (kp && !*kernel_path) {
			*kernel_path = kp;
			*cmd_root = root;
		} else {
			free(kp);
			free(root);
		}
		free(text);
	}
	p->legacy_configfile = !grub2 && legacy;
	if (!grub2 && !legacy)
		issue(b, true, "no-boot-config",
		      fmt(b, "no GRUB configuration in the image (/boot/grub/grub.cfg, /boot/grub2/grub.cfg, "
			  "/boot/grub/menu.lst or grub.conf)"),
		      "add a /boot/grub/menu.lst naming the kernel and initrd, as PV-GRUB reads it");
}

static void plan_boot_rewrites(struct build *b)
{
	struct plan *p = b->p;
	enum image_ftype ft;

	rewrite_file(b, "/boot/grub/grub.cfg", "GRUB 2 config: PV disk names and console", "resume-outside-image",
		     rewrite_grub2_cfg);
	bool g2 = rewrite_file(b, "/boot/grub2/grub.cfg", "GRUB 2 config: PV disk names and console", "resume-outside-image",
			       rewrite_grub2_cfg);
	rewrite_file(b, "/boot/grub/menu.lst", "GRUB legacy menu: (hd0), root=, console", "resume-outside-image",
		     rewrite_grub_legacy);
	rewrite_file(b, "/boot/grub/grub.conf", "GRUB legacy menu: (hd0), root=, console", "resume-outside-image",
		     rewrite_grub_legacy);
	rewrite_file(b, "/boot/grub/device.map", "GRUB device map: the disk's name under HVM", "boot-config",
		     rewrite_device_map);
	rewrite_file(b, "/boot/grub2/device.map", "GRUB device map: the disk's name under HVM", "boot-config",
		     rewrite_device_map);
	rewrite_file(b, "/etc/default/grub", "grub-mkconfig settings, so the next update-grub keeps the changes",
		     "resume-outside-image", rewrite_default_grub);

	/* GRUB 2 is installed with prefix /boot/grub: make sure a grub.cfg is there. */
	if (image_lstat(b->img, "/boot/grub/grub.cfg", &ft) == 0)
		return;
	if (image_lstat(b->img, "/boot/grub", &ft) < 0)
		add_str(b, &p->mkdirs, &p->n_mkdirs, dup(b, "/boot/grub"));
	if (p->legacy_configfile) {
		const char *menu = image_lstat(b->img, "/boot/grub/menu.lst", &ft) == 0 ? "/boot/grub/menu.lst"
											: "/boot/grub/grub.conf";
		add_create(b, "/boot/grub/grub.cfg", rewrite_legacy_wrapper_cfg(menu, p->console), 0644,
			   "GRUB 2 boots this menu.lst-only guest through legacy_configfile");
	} else if (g2) {
		add_create(b, "/boot/grub/grub.cfg",
			   fmt(b, "# Written by virtmode convert: this guest's GRUB 2 config is /boot/grub2/grub.cfg.\n"
			       "configfile /boot/grub2/grub.cfg\n"),
			   0644, "GRUB 2 is installed with prefix /boot/grub; the guest's config is in /boot/grub2");
	}
}

/* ---- consoles: systemd links, inittab, upstart ---- */

static const char *const pv_consoles[] = { "hvc0", "xvc0" };

static void plan_consoles(struct build *b)
{
	struct plan *p = b->p;
	const char *dir = "/etc/systemd/system/getty.target.wants";
	enum image_ftype ft;
	char *con_link = fmt(b, "%s/serial-getty@%s.service", dir, p->console);
	bool con_exists = con_link && image_lstat(b->img, con_link, &ft) == 0;

	/* serial-getty@ is what distributions enable for hvc0; some images enable plain getty@hvc0 */
	for (size_t i = 0; i < 4; i++) {
		const char *unit = i < 2 ? "serial-getty" : "getty";
		char *link = fmt(b, "%s/%s@%s.service", dir, unit, pv_consoles[i % 2]), *target = NULL;
		if (link && image_readlink(b->img, link, &target) == 0) {
			add_str(b, &p->gettys, &p->n_gettys, fmt(b, "%s (systemd %s@)", pv_consoles[i % 2], unit));
			/* systemd would wait 90 s for a device that never appears under HVM */
			add_link(b, false, link, target, "the PV console does not exist under HVM; systemd would "
				 "wait 90 s for it");
			if (!con_exists) {
				/* the twin is serial-getty@ (it sets the baud rate), next to the old link's target */
				char *slash = strrchr(target, '/');
				char *twin = i < 2 ? dup(b, target)
					   : fmt(b, "%.*sserial-getty@.service", slash ? (int)(slash - target + 1) : 0,
						 target);
				if (twin)
					add_link(b, true, con_link, twin, "a login on the HVM serial console");
				free(twin);
				con_exists = true;
			}
		}
		free(target);
		free(link);
	}
	if (con_exists && !p->n_link_adds)
		add_str(b, &p->gettys, &p->n_gettys, fmt(b, "%s (systemd serial-getty@)", p->console));
	free(con_link);

	size_t len;
	char *inittab = read_config(b, "/etc/inittab", &len);
	if (inittab) {
		for (size_t i = 0; i < 2; i++)
			if (strstr(inittab, pv_consoles[i]))
				add_str(b, &p->gettys, &p->n_gettys, fmt(b, "%s (inittab)", pv_consoles[i]));
		free(inittab);
		rewrite_file(b, "/etc/inittab", "the getty on the PV console moves to the serial console", "inittab",
			     rewrite_inittab);
	}

	/* upstart (Ubuntu 14.04, RHEL 6): /etc/init/hvc0.conf runs the getty; add a twin for the console */
	char *text = read_config(b, "/etc/init/hvc0.conf", &len);
	if (text) {
		char *path = fmt(b, "/etc/init/%s.conf", p->console);
		add_str(b, &p->gettys, &p->n_gettys, dup(b, "hvc0 (upstart)"));
		if (path && image_lstat(b->img, path, &ft) < 0) {
			struct rewrite_out o = { 0 };
			char *s = NULL;
			size_t sl = 0;
			/* the same job with the tty name replaced */
			FILE *m = open_memstream(&s, &sl);
			if (m) {
				for (const char *q = text; *q; q++) {
					if (!strncmp(q, "hvc0", 4)) {
						fputs(p->console, m);
						q += 3;
					} else {
						fputc(*q, m);
					}
				}
				fclose(m);
				add_create(b, path, s, 0644, "upstart getty on the serial console (twin of hvc0.conf)");
			} else {
				b->oom = true;
			}
			rewrite_out_free(&o);
		}
		free(path);
		free(text);
	}
}

/* ---- kernels ---- */

static struct plan_kernel *default_kernel(struct build *b, const char *kernel_path)
{
	struct plan *p = b->p;
	const char *base = NULL;

	if (kernel_path) {
		base = strrchr(kernel_path, '/');
		base = base ? base + 1 : kernel_path;
	}
	for (size_t i = 0; base && i < p->n_kernels; i++) {
		const char *kb = strrchr(p->kernels[i].path, '/') + 1;
		if (!strcmp(kb, base))
			return &p->kernels[i];
	}
	/* a config naming a path we cannot match (a /vmlinuz symlink): the newest kernel */
	if (kernel_path) {
		char *resolved = NULL;
		if (image_resolve(b->img, kernel_path, NULL, &resolved) == 0 && resolved) {
			for (size_t i = 0; i < p->n_kernels; i++)
				if (!strcmp(p->kernels[i].path, resolved)) {
					free(resolved);
					return &p->kernels[i];
				}
		}
		free(resolved);
	}
	return p->n_kernels ? &p->kernels[0] : NULL;
}

static void check_kernels(struct build *b, const char *kernel_path)
{
	struct plan *p = b->p;

	if (!p->n_kernels) {
		const char *sep = "";
		if (b->fstab) {
			char *s = strstr(b->fstab, " /boot ");
			if (!s)
				s = strstr(b->fstab, "\t/boot\t");
			if (s)
				sep = " (/boot is a separate filesystem in fstab; only single-filesystem guests convert)";
		}
		issue(b, true, "no-kernel", fmt(b, "no kernel in /boot (vmlinuz-*)%s", sep),
		      "install a kernel package in the guest, or convert the image that holds /boot");
		return;
	}
	size_t hvm = 0;
	for (size_t i = 0; i < p->n_kernels; i++)
		hvm += !p->kernels[i].xen_only;
	struct plan_kernel *k = default_kernel(b, kernel_path);
	k->is_default = true;
	if (!hvm) {
		issue(b, true, "only-xen-kernels",
		      fmt(b, "only Xen PV kernels are installed (%s); they cannot boot as HVM", k->version),
		      "install a non-Xen kernel in the guest (RHEL 5: the 'kernel' package next to 'kernel-xen')");
		return;
	}
	if (k->xen_only) {
		const char *other = NULL;
		for (size_t i = 0; i < p->n_kernels && !other; i++)
			if (!p->kernels[i].xen_only)
				other = p->kernels[i].version;
		issue(b, true, "default-kernel-xen-only",
		      fmt(b, "the default kernel %s is a Xen PV build and cannot boot as HVM", k->version),
		      other ? "make the HVM-capable kernel the default in the boot menu" : "");
		return;
	}
	const char *missing = NULL;
	for (size_t i = 0; i < p->n_kernels; i++)
		p->kernels[i].has_target_driver = kernel_has_disk_driver(&p->kernels[i], p->target, NULL);
	if (!k->has_target_driver) {
		kernel_has_disk_driver(k, p->target, &missing);
		if (!k->initramfs) {
			issue(b, true, "no-disk-driver",
			      fmt(b, "kernel %s has no initramfs and does not build in a driver for the %s disk (%s)",
				  k->version, plan_target_to_string(p->target), missing),
			      "build an initramfs with the driver in the guest (update-initramfs -c -k VERSION / dracut)");
		} else if (k->initramfs_error) {
			issue(b, false, "initramfs-unreadable",
			      fmt(b, "%s: %s; cannot tell whether it holds a driver for the %s disk (%s)", k->initramfs,
				  k->initramfs_error, plan_target_to_string(p->target), missing), "");
		} else {
			static const char *const add[] = { [PLAN_TARGET_XEN_HVM] = "ata_piix sd_mod",
							   [PLAN_TARGET_KVM] = "virtio_blk virtio_pci",
							   [PLAN_TARGET_NITRO] = "nvme" };
			const char *other = NULL;
			for (size_t i = 0; i < p->n_kernels && !other; i++)
				if (&p->kernels[i] != k && !p->kernels[i].xen_only && p->kernels[i].has_target_driver)
					other = p->kernels[i].version;
			char fix[400];
			snprintf(fix, sizeof fix, "rebuild it in the guest with MODULES=most in "
				 "/etc/initramfs-tools/initramfs.conf (update-initramfs -u), or add the driver "
				 "(dracut -f --add-drivers '%s')%s%s%s", add[p->target],
				 other ? "; or make kernel " : "", other ? other : "", other ? ", which has one, the default" : "");
			issue(b, true, "initramfs-no-disk-driver",
			      fmt(b, "%s holds no driver for the %s disk (needs %s; has: %s)", k->initramfs,
				  plan_target_to_string(p->target), missing, k->n_modules ? "" : "none"), fix);
			/* the modules it does have, on the reason line */
			struct plan_issue *is = &p->blockers[p->n_blockers - 1];
			if (!b->oom && k->n_modules) {
				size_t l = strlen(is->reason);
				for (size_t m = 0; m < k->n_modules; m++)
					l += strlen(k->modules[m]) + 2;
				char *r = malloc(l + 1);
				if (r) {
					char *w = r + sprintf(r, "%.*s", (int)(strlen(is->reason) - 1), is->reason);
					for (size_t m = 0; m < k->n_modules; m++)
						w += sprintf(w, "%s%s", m ? " " : "", k->modules[m]);
					strcpy(w, ")");
					free(is->reason);
					is->reason = r;
				}
			}
		}
	}
}

/* ---- fstab and the rest ---- */

static void plan_fstab(struct build *b)
{
	struct plan *p = b->p;

	if (!b->fstab) {
		issue(b, false, "no-fstab", fmt(b, "no /etc/fstab; the kernel's root= alone mounts the root"), "");
		return;
	}
	size_t before = p->n_edits;
	rewrite_file(b, "/etc/fstab", "device names change under HVM", "fstab-outside-image", rewrite_fstab);
	if (p->n_edits == before)
		return;
	char *problem = NULL;
	struct plan_edit *e = &p->edits[p->n_edits - 1];
	if (rewrite_fstab_validate(e->content, e->len, &b->env, &problem) < 0)
		issue(b, true, "fstab-invalid", fmt(b, "rewritten /etc/fstab would not be valid: %s",
						   problem ? problem : "?"), "fix /etc/fstab in the guest");
	free(problem);
}

static void plan_misc(struct build *b)
{
	rewrite_file(b, "/etc/initramfs-tools/conf.d/resume", "the resume device names a PV disk",
		     "resume-outside-image", rewrite_resume_conf);
	size_t len;
	char *st = read_config(b, "/etc/securetty", &len);
	if (st) {
		free(st);
		rewrite_file(b, "/etc/securetty", "root may log in on the serial console", "securetty",
			     rewrite_securetty);
	}
}

static void decide(struct plan *p)
{
	if (p->n_blockers)
		p->verdict = PLAN_BLOCKED;
	else if (p->n_edits || p->n_creates || p->n_link_adds || p->n_link_removes || p->set_label)
		p->verdict = PLAN_READY_WITH_CHANGES;
	else
		p->verdict = PLAN_READY;
}

int plan_build(const struct image *img, const struct plan_opts *opts, struct plan **out)
{
	struct plan *p = calloc(1, sizeof *p);
	struct build b = { .img = img, .opts = opts, .p = p };
	char *kernel_path = NULL, *cmd_root = NULL;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	p->target = opts->target;
	p->console = dup(&b, opts->console && *opts->console ? opts->console : "ttyS0");
	p->fs_type = dup(&b, img->fs_type);
	p->fs_label = dup(&b, img->label);
	p->fs_uuid = dup(&b, img->uuid);
	p->fs_features = image_feature_string(img);
	p->layout = dup(&b, layout_names[img->layout]);
	p->block_size = img->block_size;
	p->fs_bytes = img->fs_bytes;
	p->used_bytes = img->used_blocks * img->block_size;
	if (!p->fs_features)
		b.oom = true;

	check_features(&b);
	b.fstab = read_config(&b, "/etc/fstab", &b.fstab_len);
	boot_configs(&b, &kernel_path, &cmd_root);
	choose_spec(&b, cmd_root);
	b.env = (struct rewrite_env){
		.spec = p->root_spec, .console = p->console, .root_dev = b.root_dev, .fs_uuid = img->uuid,
		.fs_label = p->set_label ? p->set_label : img->label, .disk_dev = target_disk[p->target],
	};
	if (!b.oom && kernel_scan(img, p) < 0)
		b.oom = true;
	if (!b.oom) {
		check_kernels(&b, kernel_path);
		plan_fstab(&b);
		plan_boot_rewrites(&b);
		plan_consoles(&b);
		plan_misc(&b);
	}
	free(kernel_path);
	free(cmd_root);
	free(b.fstab);
	free(b.root_dev);
	if (b.oom) {
		plan_free(p);
		return -ENOMEM;
	}
	decide(p);
	*out = p;
	return 0;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void free_links(struct plan_link *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(l[i].path);
		free(l[i].target);
		free(l[i].reason);
	}
	free(l);
}

static void free_issues(struct plan_issue *is, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(is[i].code);
		free(is[i].reason);
		free(is[i].fix);
	}
	free(is);
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_edits; i++) {
		struct plan_edit *e = &p->edits[i];
		free(e->path);
		free(e->orig_path);
		free(e->content);
		free(e->reason);
		free_strv(e->changes, e->n_changes);
	}
	free(p->edits);
	for (size_t i = 0; i < p->n_creates; i++) {
		free(p->creates[i].path);
		free(p->creates[i].content);
		free(p->creates[i].reason);
	}
	free(p->creates);
	free_strv(p->mkdirs, p->n_mkdirs);
	free_links(p->link_removes, p->n_link_removes);
	free_links(p->link_adds, p->n_link_adds);
	free_issues(p->blockers, p->n_blockers);
	free_issues(p->warnings, p->n_warnings);
	for (size_t i = 0; i < p->n_kernels; i++) {
		struct plan_kernel *k = &p->kernels[i];
		free(k->version);
		free(k->path);
		free(k->initramfs);
		free(k->initramfs_compression);
		free(k->initramfs_error);
		free_strv(k->modules, k->n_modules);
		free_strv(k->builtin, k->n_builtin);
	}
	free(p->kernels);
	for (size_t i = 0; i < p->n_bootcfgs; i++) {
		free(p->bootcfgs[i].path);
		free(p->bootcfgs[i].kind);
		free(p->bootcfgs[i].consoles);
	}
	free(p->bootcfgs);
	free_strv(p->gettys, p->n_gettys);
	free(p->console);
	free(p->root_spec);
	free(p->set_label);
	free(p->fs_type);
	free(p->fs_label);
	free(p->fs_uuid);
	free(p->fs_features);
	free(p->layout);
	free(p);
}

/* ---- report ---- */

static json_object *jstr(const char *s) { return s ? json_object_new_string(s) : NULL; }

static json_object *jstrv(char **v, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static json_object *jissues(const struct plan_issue *is, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "code", jstr(is[i].code));
		json_object_object_add(o, "reason", jstr(is[i].reason));
		json_object_object_add(o, "fix", jstr(is[i].fix));
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *jlinks(const struct plan_link *l, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "path", jstr(l[i].path));
		json_object_object_add(o, "target", jstr(l[i].target));
		json_object_object_add(o, "reason", jstr(l[i].reason));
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *jtristate(int v) { return v < 0 ? NULL : json_object_new_boolean(v); }

json_object *plan_to_json(const struct plan *p)
{
	json_object *o = json_object_new_object(), *fs = json_object_new_object();

	json_object_object_add(o, "verdict", jstr(plan_verdict_to_string(p->verdict)));
	json_object_object_add(o, "target", jstr(plan_target_to_string(p->target)));
	json_object_object_add(o, "console", jstr(p->console));
	json_object_object_add(o, "root_spec", jstr(p->root_spec));
	json_object_object_add(o, "set_label", jstr(p->set_label));
	json_object_object_add(o, "boot", jstr(p->legacy_configfile ? "legacy_configfile" : "grub.cfg"));

	json_object_object_add(fs, "layout", jstr(p->layout));
	json_object_object_add(fs, "type", jstr(p->fs_type));
	json_object_object_add(fs, "label", jstr(p->fs_label));
	json_object_object_add(fs, "uuid", jstr(p->fs_uuid));
	json_object_object_add(fs, "block_size", json_object_new_int64(p->block_size));
	json_object_object_add(fs, "size_bytes", json_object_new_int64((int64_t)p->fs_bytes));
	json_object_object_add(fs, "used_bytes", json_object_new_int64((int64_t)p->used_bytes));
	json_object *feat = json_object_new_array();
	for (char *f = p->fs_features, *e; f && *f; f = *e ? e + 1 : e) {
		e = strchrnul(f, ' ');
		json_object_array_add(feat, json_object_new_string_len(f, (int)(e - f)));
	}
	json_object_object_add(fs, "features", feat);
	json_object_object_add(o, "filesystem", fs);

	json_object *ks = json_object_new_array();
	for (size_t i = 0; i < p->n_kernels; i++) {
		const struct plan_kernel *k = &p->kernels[i];
		json_object *j = json_object_new_object();
		json_object_object_add(j, "version", jstr(k->version));
		json_object_object_add(j, "path", jstr(k->path));
		json_object_object_add(j, "default", json_object_new_boolean(k->is_default));
		json_object_object_add(j, "hvm_capable", json_object_new_boolean(!k->xen_only));
		json_object_object_add(j, "pvhvm", jtristate(k->pvhvm));
		json_object_object_add(j, "pvh", jtristate(k->pvh));
		json_object_object_add(j, "initramfs", jstr(k->initramfs));
		json_object_object_add(j, "initramfs_compression", jstr(k->initramfs_compression));
		json_object_object_add(j, "initramfs_files", json_object_new_int64((int64_t)k->initramfs_files));
		json_object_object_add(j, "initramfs_error", jstr(k->initramfs_error));
		json_object_object_add(j, "disk_modules", jstrv(k->modules, k->n_modules));
		json_object_object_add(j, "builtin_drivers", jstrv(k->builtin, k->n_builtin));
		json_object_object_add(j, "has_target_driver", json_object_new_boolean(k->has_target_driver));
		json_object_array_add(ks, j);
	}
	json_object_object_add(o, "kernels", ks);

	json_object *bc = json_object_new_array();
	for (size_t i = 0; i < p->n_bootcfgs; i++) {
		json_object *j = json_object_new_object();
		json_object_object_add(j, "path", jstr(p->bootcfgs[i].path));
		json_object_object_add(j, "kind", jstr(p->bootcfgs[i].kind));
		json_object_object_add(j, "consoles", jstr(p->bootcfgs[i].consoles));
		json_object_array_add(bc, j);
	}
	json_object_object_add(o, "boot_configs", bc);
	json_object_object_add(o, "gettys", jstrv(p->gettys, p->n_gettys));

	json_object *ed = json_object_new_array();
	for (size_t i = 0; i < p->n_edits; i++) {
		const struct plan_edit *e = &p->edits[i];
		json_object *j = json_object_new_object();
		json_object_object_add(j, "path", jstr(e->path));
		json_object_object_add(j, "original_kept_as", jstr(e->orig_path));
		json_object_object_add(j, "reason", jstr(e->reason));
		json_object_object_add(j, "changes", jstrv(e->changes, e->n_changes));
		json_object_object_add(j, "content", json_object_new_string_len(e->content, (int)e->len));
		json_object_array_add(ed, j);
	}
	json_object_object_add(o, "edits", ed);
	json_object *cr = json_object_new_array();
	for (size_t i = 0; i < p->n_creates; i++) {
		json_object *j = json_object_new_object();
		json_object_object_add(j, "path", jstr(p->creates[i].path));
		json_object_object_add(j, "mode", json_object_new_int((int)p->creates[i].mode));
		json_object_object_add(j, "reason", jstr(p->creates[i].reason));
		json_object_object_add(j, "content", json_object_new_string_len(p->creates[i].content,
										 (int)p->creates[i].len));
		json_object_array_add(cr, j);
	}
	json_object_object_add(o, "creates", cr);
	json_object_object_add(o, "mkdirs", jstrv(p->mkdirs, p->n_mkdirs));
	json_object_object_add(o, "links_removed", jlinks(p->link_removes, p->n_link_removes));
	json_object_object_add(o, "links_added", jlinks(p->link_adds, p->n_link_adds));
	json_object_object_add(o, "blockers", jissues(p->blockers, p->n_blockers));
	json_object_object_add(o, "warnings", jissues(p->warnings, p->n_warnings));
	return o;
}

static const char *human_bytes(unsigned long long v, char *buf, size_t n)
{
	const char *u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double d = (double)v;
	int i = 0;
	while (d >= 1024 && i < 4) {
		d /= 1024;
		i++;
	}
	snprintf(buf, n, i ? "%.1f %s" : "%.0f %s", d, u[i]);
	return buf;
}

static const char *tri(int v) { return v < 0 ? "unknown (no /boot/config-*)" : v ? "yes" : "no"; }

void plan_print_human(const struct plan *p, const char *image_path, FILE *out, bool color)
{
	const char *bold = color ? "\033[1m" : "", *red = color ? "\033[31m" : "", *green = color ? "\033[32m" : "",
		   *yellow = color ? "\033[33m" : "", *off = color ? "\033[0m" : "";
	char b1[32], b2[32];

	fprintf(out, "%s%s%s: %s filesystem", bold, image_path, off, p->fs_type);
	if (strcmp(p->layout, "bare"))
		fprintf(out, " in a %s-partitioned disk", p->layout);
	fprintf(out, ", %s, %s used, %u-byte blocks\n", human_bytes(p->fs_bytes, b1, sizeof b1),
		human_bytes(p->used_bytes, b2, sizeof b2), p->block_size);
	fprintf(out, "  label %s%s%s, UUID %s\n  features: %s\n", *p->fs_label ? "'" : "",
		*p->fs_label ? p->fs_label : "(none)", *p->fs_label ? "'" : "", p->fs_uuid, p->fs_features);

	fprintf(out, "\n%sKernels%s (checked for target %s)\n", bold, off, plan_target_to_string(p->target));
	if (!p->n_kernels)
		fputs("  none in /boot\n", out);
	for (size_t i = 0; i < p->n_kernels; i++) {
		const struct plan_kernel *k = &p->kernels[i];
		fprintf(out, "  %s%s%s\n", k->version, k->is_default ? " (default)" : "",
			k->xen_only ? " — Xen PV-only build, cannot boot as HVM" : "");
		fprintf(out, "    PVHVM: %s, PVH: %s\n", tri(k->pvhvm), tri(k->pvh));
		if (!k->initramfs)
			fputs("    initramfs: none\n", out);
		else if (k->initramfs_error)
			fprintf(out, "    initramfs: %s: %s\n", k->initramfs, k->initramfs_error);
		else
			fprintf(out, "    initramfs: %s (%s, %zu files)\n", k->initramfs, k->initramfs_compression,
				k->initramfs_files);
		fputs("    disk drivers:", out);
		for (size_t m = 0; m < k->n_modules; m++)
			fprintf(out, " %s", k->modules[m]);
		for (size_t m = 0; m < k->n_builtin; m++)
			fprintf(out, " %s(built-in)", k->builtin[m]);
		if (!k->n_modules && !k->n_builtin)
			fputs(" none", out);
		fprintf(out, " — %s%s%s\n", k->has_target_driver ? green : red,
			k->has_target_driver ? "enough for the target" : "none for the target's disk", off);
	}

	fprintf(out, "\n%sBoot configuration%s\n", bold, off);
	for (size_t i = 0; i < p->n_bootcfgs; i++)
		fprintf(out, "  %s (%s)%s%s\n", p->bootcfgs[i].path, p->bootcfgs[i].kind,
			*p->bootcfgs[i].consoles ? ", console=" : "", p->bootcfgs[i].consoles);
	if (!p->n_bootcfgs)
		fputs("  none found\n", out);
	bool nocfg = false;
	for (size_t i = 0; i < p->n_blockers; i++)
		nocfg |= !strcmp(p->blockers[i].code, "no-boot-config");
	if (!nocfg)
		fprintf(out, "  boots as: %s\n", p->legacy_configfile ? "GRUB 2 reading the guest's menu.lst "
							     "(legacy_configfile)" : "GRUB 2 with the guest's grub.cfg");
	fprintf(out, "  root filesystem spec: %s%s%s%s\n", p->root_spec, p->set_label ? " (label set to '" : "",
		p->set_label ? p->set_label : "", p->set_label ? "')" : "");
	fputs("  gettys:", out);
	for (size_t i = 0; i < p->n_gettys; i++)
		fprintf(out, "%s %s", i ? "," : "", p->gettys[i]);
	fputs(p->n_gettys ? "\n" : " none on a serial or PV console\n", out);

	if (p->n_edits || p->n_creates || p->n_link_removes || p->n_link_adds) {
		fprintf(out, "\n%sChanges convert will make%s (originals kept as *.virtmode-orig)\n", bold, off);
		for (size_t i = 0; i < p->n_edits; i++) {
			fprintf(out, "  %s: %s\n", p->edits[i].path, p->edits[i].reason);
			for (size_t c = 0; c < p->edits[i].n_changes; c++)
				fprintf(out, "    %s\n", p->edits[i].changes[c]);
		}
		for (size_t i = 0; i < p->n_creates; i++)
			fprintf(out, "  %s: new file: %s\n", p->creates[i].path, p->creates[i].reason);
		for (size_t i = 0; i < p->n_link_removes; i++)
			fprintf(out, "  %s: removed link (was -> %s): %s\n", p->link_removes[i].path,
				p->link_removes[i].target, p->link_removes[i].reason);
		for (size_t i = 0; i < p->n_link_adds; i++)
			fprintf(out, "  %s -> %s: %s\n", p->link_adds[i].path, p->link_adds[i].target,
				p->link_adds[i].reason);
	}
	if (p->n_warnings) {
		fprintf(out, "\n%sWarnings%s\n", bold, off);
		for (size_t i = 0; i < p->n_warnings; i++)
			fprintf(out, "  %s%s%s%s%s\n", yellow, p->warnings[i].reason, off,
				*p->warnings[i].fix ? "\n    fix: " : "", p->warnings[i].fix);
	}
	if (p->n_blockers) {
		fprintf(out, "\n%sBlockers%s\n", bold, off);
		for (size_t i = 0; i < p->n_blockers; i++)
			fprintf(out, "  %s%s%s\n    fix: %s\n", red, p->blockers[i].reason, off, p->blockers[i].fix);
	}

	fprintf(out, "\n%sVerdict: ", bold);
	if (p->verdict == PLAN_BLOCKED) {
		fprintf(out, "%sblocked%s%s by", red, off, bold);
		for (size_t i = 0; i < p->n_blockers; i++)
			fprintf(out, "%s %s", i ? "," : "", p->blockers[i].code);
	} else {
		fprintf(out, "%s%s", green, p->verdict == PLAN_READY ? "ready" : "ready with changes");
	}
	fprintf(out, "%s\n", off);
	if (p->verdict == PLAN_BLOCKED)
		return;

	bool pvh = false;
	for (size_t i = 0; i < p->n_kernels; i++)
		pvh |= p->kernels[i].is_default && p->kernels[i].pvh == 1;
	fprintf(out, "\n%sAfter convert, outside the image%s\n", bold, off);
	fputs("  xl:        type = \"hvm\" in the domain config, disk = [ 'format=raw,vdev=xvda,target=HVM.img' ]\n"
	      "  XCP-ng/XenServer: xe vm-param-set uuid=VM HVM-boot-policy=\"BIOS order\" HVM-boot-params:order=c "
	      "PV-bootloader=\"\"\n"
	      "  AWS:       import the image as a snapshot and register it with --virtualization-type hvm\n", out);
	if (pvh)
		fputs("  PVH:       the default kernel supports PVH: with xl, type = \"pvh\" boots this guest without "
		      "any conversion\n", out);
}
