/* Rewrite rules for the configs that name PV devices or consoles. Pure functions on text: no I/O.
 * Every rule changes only the lines it must, copying the rest byte for byte, so a guest's own comments,
 * ordering and whitespace survive; each change is listed for the report. */
#include "inspect/rewrite.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct sb {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb_add(struct sb *b, const char *p, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *t = realloc(b->s, cap);
		if (!t) {
			b->oom = true;
			return;
		}
		b->s = t;
		b->cap = cap;
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_str(struct sb *b, const char *s) { sb_add(b, s, strlen(s)); }

static void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0) {
		b->oom = true;
		return;
	}
	sb_add(b, s, (size_t)r);
	free(s);
}

static int strv_add(char ***v, size_t *n, char *s)
{
	if (!s)
		return -ENOMEM;
	char **t = realloc(*v, (*n + 1) * sizeof *t);
	if (!t) {
		free(s);
		return -ENOMEM;
	}
	*v = t;
	t[(*n)++] = s;
	return 0;
}

/* Changes and notes are both lists of formatted lines; an allocation failure drops the line. */
static void strv_vaddf(char ***v, size_t *n, const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	strv_add(v, n, s);
}

static void out_change(struct rewrite_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_change(struct rewrite_out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strv_vaddf(&o->changes, &o->n_changes, fmt, ap);
	va_end(ap);
}

static void out_note(struct rewrite_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_note(struct rewrite_out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strv_vaddf(&o->notes, &o->n_notes, fmt, ap);
	va_end(ap);
}

void rewrite_out_free(struct rewrite_out *o)
{
	if (!o)
		return;
	free(o->text);
	for (size_t i = 0; i < o->n_changes; i++)
		free(o->changes[i]);
	free(o->changes);
	for (size_t i = 0; i < o->n_notes; i++)
		free(o->notes[i]);
	free(o->notes);
	memset(o, 0, sizeof *o);
}

static int finish(struct sb *b, struct rewrite_out *o)
{
	if (b->oom) {
		free(b->s);
		return -ENOMEM;
	}
	if (!b->s)
		sb_add(b, "", 0);
	if (b->oom)
		return -ENOMEM;
	o->text = b->s;
	o->len = b->len;
	return 0;
}

/* ---- devices and specs ---- */

static const char *const pv_prefixes[] = { "/dev/xvd", "/dev/sd", "/dev/hd" };

/* Splits a kernel disk name into drive letters and partition number: /dev/xvda1 -> "a", 1. */
static bool pv_parse(const char *s, size_t n, const char **letters, size_t *nletters, unsigned *part)
{
	for (size_t i = 0; i < sizeof pv_prefixes / sizeof pv_prefixes[0]; i++) {
		size_t pl = strlen(pv_prefixes[i]);
		if (n <= pl || strncmp(s, pv_prefixes[i], pl))
			continue;
		size_t k = pl;
		while (k < n && islower((unsigned char)s[k]))
			k++;
		if (k == pl || k - pl > 3)
			return false;
		size_t d = k;
		unsigned v = 0;
		while (d < n && isdigit((unsigned char)s[d]) && v < 1000)
			v = v * 10 + (unsigned)(s[d++] - '0');
		if (d != n)
			return false;
		*letters = s + pl;
		*nletters = k - pl;
		*part = v;
		return true;
	}
	return false;
}

bool rewrite_is_pv_device(const char *s, size_t n)
{
	const char *l;
	size_t nl;
	unsigned p;

	return pv_parse(s, n, &l, &nl, &p);
}

/* The same disk and partition under another naming (xvda1, sda1, hda1 are one device to a PV guest). */
static bool pv_same(const char *a, size_t an, const char *b)
{
	const char *la, *lb;
	size_t na, nb;
	unsigned pa, pb;

	if (!b || !pv_parse(a, an, &la, &na, &pa) || !pv_parse(b, strlen(b), &lb, &nb, &pb))
		return false;
	return na == nb && !memcmp(la, lb, na) && pa == pb;
}

static bool prefix_eq(const char *s, size_t n, const char *prefix, const char *value, bool nocase)
{
	size_t pl = strlen(prefix);

	if (!value || n <= pl || strncmp(s, prefix, pl))
		return false;
	size_t vl = strlen(value);
	if (n - pl != vl)
		return false;
	return nocase ? !strncasecmp(s + pl, value, vl) : !memcmp(s + pl, value, vl);
}

static bool starts(const char *p, size_t n, const char *w)
{
	size_t wl = strlen(w);
	return n >= wl && !memcmp(p, w, wl);
}

bool rewrite_spec_is_root(const struct rewrite_env *env, const char *spec, size_t n)
{
	/* Quoted specs are legal in fstab (LABEL="x") */
	char tmp[256];
	if (n < sizeof tmp && (starts(spec, n, "LABEL=\"") || starts(spec, n, "UUID=\"")) &&
	    spec[n - 1] == '"') {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (spec[i] != '"')
				tmp[k++] = spec[i];
		tmp[k] = '\0';
		spec = tmp;
		n = k;
	}
	if (prefix_eq(spec, n, "UUID=", env->fs_uuid, true))
		return true;
	if (env->fs_label && *env->fs_label && prefix_eq(spec, n, "LABEL=", env->fs_label, false))
		return true;
	if (env->spec && n == strlen(env->spec) && !memcmp(spec, env->spec, n))
		return true;
	return false;
}

/* ---- lines and words ---- */

struct line {
	const char *p;   /* start */
	size_t n;        /* without the newline */
	bool nl;         /* ended by a newline */
	unsigned no;     /* 1-based */
};

static bool next_line(const char *in, size_t len, size_t *pos, struct line *l)
{
	if (*pos >= len)
		return false;
	const char *p = in + *pos, *e = memchr(p, '\n', len - *pos);
	l->p = p;
	l->n = e ? (size_t)(e - p) : len - *pos;
	l->nl = e != NULL;
	l->no++;
	*pos += l->n + (e ? 1 : 0);
	return true;
}

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

static size_t skip_ws(const char *p, size_t n, size_t i)
{
	while (i < n && is_blank(p[i]))
		i++;
	return i;
}

static size_t skip_word(const char *p, size_t n, size_t i)
{
	while (i < n && !is_blank(p[i]))
		i++;
	return i;
}

static bool is_comment(const struct line *l)
{
	size_t i = skip_ws(l->p, l->n, 0);
	return i == l->n || l->p[i] == '#';
}

static bool word_eq(const char *p, size_t n, const char *w)
{
	return n == strlen(w) && !memcmp(p, w, n);
}

/* ---- kernel command line ---- */

static bool is_pv_console(const char *v, size_t n)
{
	/* console=hvc0, console=xvc0, with or without ",options" */
	size_t k = 0;
	while (k < n && v[k] != ',')
		k++;
	return word_eq(v, k, "hvc0") || word_eq(v, k, "xvc0") || word_eq(v, k, "/dev/hvc0") ||
	       word_eq(v, k, "/dev/xvc0");
}

static const char *console_or_default(const struct rewrite_env *env)
{
	return env->console && *env->console ? env->console : "ttyS0";
}

static bool console_is_serial(const char *c) { return !strncmp(c, "ttyS", 4); }

char *rewrite_cmdline(const char *args, size_t n, const struct rewrite_env *env, const char *where,
		      struct rewrite_out *out)
{
	struct sb b = { 0 };
	bool changed = false, pv_console = false, has_tty0 = false, has_serial = false, has_noresume = false;
	const char *con = console_or_default(env);
	size_t conl = strlen(con);

	for (size_t i = skip_ws(args, n, 0); i < n; i = skip_ws(args, n, i)) {
		size_t e = skip_word(args, n, i);
		const char *w = args + i;
		size_t wl = e - i;
		i = e;
		if (starts(w, wl, "console=") && (word_eq(w + 8, wl - 8, "tty0") || starts(w + 8, wl - 8, "tty0,")))
			has_tty0 = true;
		if (starts(w, wl, "console=") && wl - 8 >= conl && !memcmp(w + 8, con, conl) &&
		    (wl - 8 == conl || w[8 + conl] == ','))
			has_serial = true;
		if (word_eq(w, wl, "noresume"))
			has_noresume = true;
	}
	for (size_t i = skip_ws(args, n, 0); i < n; i = skip_ws(args, n, i)) {
		size_t e = skip_word(args, n, i);
		const char *w = args + i;
		size_t wl = e - i;
		i = e;
		if (starts(w, wl, "root=") && (rewrite_is_pv_device(w + 5, wl - 5) ||
		    ((starts(w + 5, wl - 5, "LABEL=") || starts(w + 5, wl - 5, "UUID=")) &&
		     !rewrite_spec_is_root(env, w + 5, wl - 5)))) {
			out_change(out, "%s: root=%.*s -> root=%s", where, (int)(wl - 5), w + 5, env->spec);
			sb_printf(&b, "%sroot=%s", b.len ? " " : "", env->spec);
			changed = true;
			continue;
		}
		if (starts(w, wl, "resume=") && rewrite_is_pv_device(w + 7, wl - 7)) {
			/* A bare PV root fs cannot hold a swap partition: the resume device is another disk. */
			out_change(out, "%s: resume=%.*s -> noresume", where, (int)(wl - 7), w + 7);
			out_note(out, "%s: resume device %.*s is not in this image; booting with noresume", where,
				 (int)(wl - 7), w + 7);
			if (!has_noresume)
				sb_printf(&b, "%snoresume", b.len ? " " : "");
			has_noresume = true;
			changed = true;
			continue;
		}
		if (starts(w, wl, "console=") && is_pv_console(w + 8, wl - 8)) {
			out_change(out, "%s: %.*s -> console=tty0 console=%s%s", where, (int)wl, w, con,
				   console_is_serial(con) ? ",115200" : "");
			pv_console = true;
			changed = true;
			continue;
		}
		sb_printf(&b, "%s%.*s", b.len ? " " : "", (int)wl, w);
	}
	if (pv_console) {
		/* The last console= becomes /dev/console: the serial one, where the boot log is read. */
		if (!has_tty0)
			sb_printf(&b, "%sconsole=tty0", b.len ? " " : "");
		if (!has_serial)
			sb_printf(&b, "%sconsole=%s%s", b.len ? " " : "", con, console_is_serial(con) ? ",115200" : "");
	}
	if (!changed) {
		free(b.s);
		return strndup(args, n);
	}
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s ? b.s : strdup("");
}

char *rewrite_cmdline_root(const char *args, size_t n)
{
	for (size_t i = skip_ws(args, n, 0); i < n; i = skip_ws(args, n, i)) {
		size_t e = skip_word(args, n, i);
		if (starts(args + i, e - i, "root="))
			return strndup(args + i + 5, e - i - 5);
		i = e;
	}
	return NULL;
}

/* ---- fstab ---- */

struct fields {
	size_t start[8], end[8];
	int n;
};

static void split_fields(const struct line *l, struct fields *f)
{
	f->n = 0;
	for (size_t i = skip_ws(l->p, l->n, 0); i < l->n && l->p[i] != '#'; i = skip_ws(l->p, l->n, i)) {
		size_t e = skip_word(l->p, l->n, i);
		if (f->n < 8) {
			f->start[f->n] = i;
			f->end[f->n] = e;
		}
		f->n++;
		i = e;
	}
}

#define FIELD(l, f, k) ((l)->p + (f)->start[k]), ((f)->end[k] - (f)->start[k])

static bool has_option(const char *opts, size_t n, const char *opt)
{
	size_t ol = strlen(opt);
	for (size_t i = 0; i < n;) {
		size_t e = i;
		while (e < n && opts[e] != ',')
			e++;
		if (e - i == ol && !memcmp(opts + i, opt, ol))
			return true;
		i = e + 1;
	}
	return false;
}

int rewrite_fstab(const char *in, size_t n, const struct rewrite_env *env, struct rewrite_out *out)
{
	struct sb b = { 0 };
	struct line l = { 0 };
	size_t pos = 0;

	memset(out, 0, sizeof *out);
	while (next_line(in, n, &pos, &l)) {
		struct fields f;
		if (is_comment(&l) || (split_fields(&l, &f), f.n < 2)) {
			sb_add(&b, l.p, l.n + l.nl);
			continue;
		}
		const char *spec = l.p + f.start[0], *mnt = l.p + f.start[1];
		size_t specl = f.end[0] - f.start[0], mntl = f.end[1] - f.start[1];
		bool root = word_eq(mnt, mntl, "/");
		bool pv = rewrite_is_pv_device(spec, specl);

		if (root && (pv || ((starts(spec, specl, "LABEL=") || starts(spec, specl, "UUID=")) &&
				    !rewrite_spec_is_root(env, spec, specl)))) {
			out_change(out, "line %u: %.*s -> %s (mounted on /)", l.no, (int)specl, spec, env->spec);
			sb_add(&b, l.p, f.start[0]);
			sb_str(&b, env->spec);
			sb_add(&b, l.p + f.end[0], l.n - f.end[0] + l.nl);
			continue;
		}
		if (!root && pv && pv_same(spec, specl, env->root_dev)) {
			out_change(out, "line %u: %.*s -> %s (the root filesystem)", l.no, (int)specl, spec, env->spec);
			sb_add(&b, l.p, f.start[0]);
			sb_str(&b, env->spec);
			sb_add(&b, l.p + f.end[0], l.n - f.end[0] + l.nl);
			continue;
		}
		if (!root && pv) {
			/* Another partition or disk: not part of the converted image, and its name changes under
			 * HVM. nofail keeps boot from waiting for it (systemd would wait 90 s). */
			const char *type = f.n > 2 ? l.p + f.start[2] : "?";
			int typel = f.n > 2 ? (int)(f.end[2] - f.start[2]) : 1;
			out_note(out, "line %u: %.*s (%.*s on %.*s) is not in this image; attach it and fix its name "
				 "after conversion", l.no, (int)specl, spec, typel, type, (int)mntl, mnt);
			if (f.n >= 4 && !has_option(l.p + f.start[3], f.end[3] - f.start[3], "nofail")) {
				out_change(out, "line %u: %.*s: added nofail (not in this image)", l.no, (int)specl, spec);
				sb_add(&b, l.p, f.end[3]);
				sb_str(&b, ",nofail");
				sb_add(&b, l.p + f.end[3], l.n - f.end[3] + l.nl);
				continue;
			}
		}
		sb_add(&b, l.p, l.n + l.nl);
	}
	return finish(&b, out);
}

char *rewrite_fstab_root_spec(const char *text, size_t n)
{
	struct line l = { 0 };
	size_t pos = 0;

	while (next_line(text, n, &pos, &l)) {
		struct fields f;
		if (is_comment(&l))
			continue;
		split_fields(&l, &f);
		if (f.n >= 2 && word_eq(l.p + f.start[1], f.end[1] - f.start[1], "/"))
			return strndup(l.p + f.start[0], f.end[0] - f.start[0]);
	}
	return NULL;
}

int rewrite_fstab_validate(const char *text, size_t n, const struct rewrite_env *env, char **problem)
{
	struct line l = { 0 };
	size_t pos = 0;
	bool have_root = false;

	*problem = NULL;
	while (next_line(text, n, &pos, &l)) {
		struct fields f;
		if (is_comment(&l))
			continue;
		split_fields(&l, &f);
		if (f.n < 3 || f.n > 6) {
			if (asprintf(problem, "line %u: %d fields, an fstab line has 3 to 6", l.no, f.n) < 0)
				*problem = NULL;
			return -EINVAL;
		}
		if (!word_eq(l.p + f.start[1], f.end[1] - f.start[1], "/"))
			continue;
		have_root = true;
		if (!rewrite_spec_is_root(env, FIELD(&l, &f, 0))) {
			if (asprintf(problem, "line %u: %.*s does not name this filesystem (%s)", l.no,
				     (int)(f.end[0] - f.start[0]), l.p + f.start[0], env->spec) < 0)
				*problem = NULL;
			return -EINVAL;
		}
	}
	(void)have_root; /* an fstab without "/" is legal: the kernel's root= mounts it */
	return 0;
}

/* ---- GRUB legacy ---- */

/* Replaces every "from" in [p, p+n) with "to", appending to b; returns how many. */
static int replace_all(struct sb *b, const char *p, size_t n, const char *from, const char *to)
{
	size_t fl = strlen(from);
	int count = 0;

	for (size_t i = 0; i < n;) {
		if (n - i >= fl && !memcmp(p + i, from, fl)) {
			sb_str(b, to);
			i += fl;
			count++;
		} else {
			sb_add(b, p + i, 1);
			i++;
		}
	}
	return count;
}

/* A boot-loader line "KEYWORD PATH ARGS": rewrites ARGS as a kernel command line. */
static void kernel_line(struct sb *b, const char *p, size_t n, size_t kw_end, const struct rewrite_env *env,
			unsigned lineno, struct rewrite_out *out)
{
	size_t ps = skip_ws(p, n, kw_end), pe = skip_word(p, n, ps), as = skip_ws(p, n, pe);
	size_t ae = n;
	char where[32];

	while (ae > as && (p[ae - 1] == '\r' || p[ae - 1] == ' ' || p[ae - 1] == '\t'))
		ae--;
	snprintf(where, sizeof where, "line %u", lineno);
	size_t before = out->n_changes;
	char *args = rewrite_cmdline(p + as, ae - as, env, where, out);
	if (!args) {
		b->oom = true;
		return;
	}
	if (out->n_changes == before) {
		sb_add(b, p, n);
	} else {
		sb_add(b, p, pe);
		if (*args)
			sb_printf(b, " %s", args);
		sb_add(b, p + ae, n - ae);
	}
	free(args);
}

static size_t keyword_end(const struct line *l, size_t *ks)
{
	*ks = skip_ws(l->p, l->n, 0);
	size_t e = *ks;
	while (e < l->n && !is_blank(l->p[e]) && l->p[e] != '=')
		e++;
	return e;
}

int rewrite_grub_legacy(const char *in, size_t n, const struct rewrite_env *env, struct rewrite_out *out)
{
	struct sb b = { 0 };
	struct line l = { 0 };
	size_t pos = 0;

	memset(out, 0, sizeof *out);
	while (next_line(in, n, &pos, &l)) {
		if (is_comment(&l)) {
			sb_add(&b, l.p, l.n + l.nl);
			continue;
		}
		/* (hd0) was the whole PV disk, i.e. the filesystem; under HVM it is partition 1: (hd0,0). */
		struct sb t = { 0 };
		int hd = replace_all(&t, l.p, l.n, "(hd0)", "(hd0,0)");
		if (t.oom) {
			free(t.s);
			free(b.s);
			return -ENOMEM;
		}
		if (hd)
			out_change(out, "line %u: (hd0) -> (hd0,0)", l.no);
		struct line m = { .p = t.s ? t.s : "", .n = t.len, .no = l.no };
		size_t ks, ke = keyword_end(&m, &ks);
		if (word_eq(m.p + ks, ke - ks, "kernel"))
			kernel_line(&b, m.p, m.n, ke, env, l.no, out);
		else
			sb_add(&b, m.p, m.n);
		if (l.nl)
			sb_add(&b, "\n", 1);
		free(t.s);
	}
	return finish(&b, out);
}

/* ---- GRUB 2 grub.cfg ---- */

/* PV-GRUB2 names the disk xen/xvda (with a partition when the PV disk had a table); under HVM it is
 * BIOS disk hd0, partition 1 of the msdos label convert writes. A bare (hd0) was the whole fs too. */
static int grub2_devices(struct sb *b, const char *p, size_t n)
{
	int count = 0;

	for (size_t i = 0; i < n;) {
		if (n - i > 7 && !memcmp(p + i, "xen/xvd", 7) && islower((unsigned char)p[i + 7])) {
			size_t e = i + 7;
			while (e < n && islower((unsigned char)p[e]))
				e++;
			if (e < n && p[e] == ',') {
				e++;
				while (e < n && isalnum((unsigned char)p[e]))
					e++;
			}
			sb_str(b, "hd0,msdos1");
			i = e;
			count++;
			continue;
		}
		if (n - i >= 3 && !memcmp(p + i, "hd0", 3) && i > 0 && strchr("('\"= ", p[i - 1]) &&
		    (i + 3 == n || strchr(")'\" \t", p[i + 3]))) {
			sb_str(b, "hd0,msdos1");
			i += 3;
			count++;
			continue;
		}
		sb_add(b, p + i, 1);
		i++;
	}
	return count;
}

static const char *serial_unit(const char *console)
{
	/* ttyS0 -> "0"; the digits after ttyS */
	return console + 4;
}

int rewrite_grub2_cfg(const char *in, size_t n, const struct rewrite_env *env, struct rewrite_out *out)
{
	struct sb b = { 0 };
	struct line l = { 0 };
	size_t pos = 0;
	const char *con = console_or_default(env);
	bool has_terminal = false, header_done = false;

	memset(out, 0, sizeof *out);
	while (next_line(in, n, &pos, &l)) {
		size_t ks, ke = keyword_end(&l, &ks);
		if (!is_comment(&l) && (word_eq(l.p + ks, ke - ks, "terminal_output") ||
					word_eq(l.p + ks, ke - ks, "serial")))
			has_terminal = true;
	}
	memset(&l, 0, sizeof l);
	pos = 0;
	while (next_line(in, n, &pos, &l)) {
		if (!header_done && !is_comment(&l)) {
			/* after the leading comment block: the serial terminal, so GRUB's menu is on ttyS0 too */
			header_done = true;
			if (!has_terminal && console_is_serial(con)) {
				sb_printf(&b, "serial --unit=%s --speed=115200\nterminal_input serial console\n"
					  "terminal_output serial console\n", serial_unit(con));
				out_change(out, "line %u: added serial terminal (%s, 115200 baud)", l.no, con);
			}
		}
		if (is_comment(&l)) {
			sb_add(&b, l.p, l.n + l.nl);
			continue;
		}
		struct sb t = { 0 };
		int dev = grub2_devices(&t, l.p, l.n);
		if (t.oom) {
			free(t.s);
			free(b.s);
			return -ENOMEM;
		}
		if (dev)
			out_change(out, "line %u: %.*s -> %.*s", l.no, (int)(l.n - skip_ws(l.p, l.n, 0)),
				   l.p + skip_ws(l.p, l.n, 0), (int)(t.len - skip_ws(t.s, t.len, 0)),
				   t.s + skip_ws(t.s, t.len, 0));
		struct line m = { .p = t.s ? t.s : "", .n = t.len, .no = l.no };
		size_t ks, ke = keyword_end(&m, &ks);
		if (word_eq(m.p + ks, ke - ks, "linux") || word_eq(m.p + ks, ke - ks, "linux16"))
			kernel_line(&b, m.p, m.n, ke, env, l.no, out);
		else
			sb_add(&b, m.p, m.n);
		if (l.nl)
			sb_add(&b, "\n", 1);
		free(t.s);
	}
	return finish(&b, out);
}

char *rewrite_legacy_wrapper_cfg(const char *menu_path, const char *console)
{
	char *s;
	const char *con = console && *console ? console : "ttyS0";
	const char *serial = "";
	char buf[160];

	if (console_is_serial(con)) {
		snprintf(buf, sizeof buf, "serial --unit=%s --speed=115200\nterminal_input serial console\n"
			 "terminal_output serial console\n", serial_unit(con));
		serial = buf;
	}
	if (asprintf(&s, "# Written by virtmode convert. This guest's boot menu is %s, in GRUB legacy syntax\n"
		     "# as PV-GRUB read it; GRUB 2 reads it at every boot, so the guest's own kernel updates\n"
		     "# (which edit %s) keep working.\n%slegacy_configfile %s\n",
		     menu_path, menu_path, serial, menu_path) < 0)
		return NULL;
	return s;
}

/* ---- /etc/default/grub ---- */

static bool is_key(const struct line *l, size_t ks, const char *key, size_t *value_at)
{
	size_t kl = strlen(key);
	if (l->n - ks > kl && !memcmp(l->p + ks, key, kl) && l->p[ks + kl] == '=') {
		*value_at = ks + kl + 1;
		return true;
	}
	return false;
}

int rewrite_default_grub(const char *in, size_t n, const struct rewrite_env *env, struct rewrite_out *out)
{
	struct sb b = { 0 };
	struct line l = { 0 };
	size_t pos = 0, v;
	const char *con = console_or_default(env);
	bool serial = console_is_serial(con), pv_console = false, has_terminal = false, has_serial_cmd = false;

	memset(out, 0, sizeof *out);
	while (next_line(in, n, &pos, &l)) {
		size_t ks = skip_ws(l.p, l.n, 0);
		if (is_comment(&l)) {
			sb_add(&b, l.p, l.n + l.nl);
			continue;
		}
		if (is_key(&l, ks, "GRUB_CMDLINE_LINUX", &v) || is_key(&l, ks, "GRUB_CMDLINE_LINUX_DEFAULT", &v)) {
			size_t vs = v, ve = l.n;
			while (ve > vs && (l.p[ve - 1] == '\r' || is_blank(l.p[ve - 1])))
				ve--;
			char q = vs < ve && (l.p[vs] == '"' || l.p[vs] == '\'') ? l.p[vs] : 0;
			if (q && ve > vs + 1 && l.p[ve - 1] == q) {
				vs++;
				ve--;
			}
			char where[64];
			snprintf(where, sizeof where, "line %u", l.no);
			size_t before = out->n_changes;
			char *args = rewrite_cmdline(l.p + vs, ve - vs, env, where, out);
			if (!args) {
				free(b.s);
				return -ENOMEM;
			}
			for (size_t i = before; i < out->n_changes; i++)
				if (strstr(out->changes[i], "console=tty0"))
					pv_console = true;
			if (out->n_changes == before) {
				sb_add(&b, l.p, l.n + l.nl);
			} else {
				sb_add(&b, l.p, vs);
				sb_str(&b, args);
				sb_add(&b, l.p + ve, l.n - ve + l.nl);
			}
			free(args);
			continue;
		}
		if (serial && (is_key(&l, ks, "GRUB_TERMINAL", &v) || is_key(&l, ks, "GRUB_TERMINAL_OUTPUT", &v) ||
			       is_key(&l, ks, "GRUB_TERMINAL_INPUT", &v))) {
			has_terminal = true;
			if (!memmem(l.p + v, l.n - v, "serial", 6)) {
				out_change(out, "line %u: %.*s -> %.*s\"serial console\"", l.no, (int)(l.n - ks), l.p + ks,
					   (int)(v - ks), l.p + ks);
				sb_add(&b, l.p, v);
				sb_str(&b, "\"serial console\"");
				if (l.nl)
					sb_add(&b, "\n", 1);
				continue;
			}
		}
		if (is_key(&l, ks, "GRUB_SERIAL_COMMAND", &v))
			has_serial_cmd = true;
		if (is_key(&l, ks, "GRUB_DEVICE", &v)) {
			size_t ve = skip_word(l.p, l.n, v);
			const char *val = l.p + v;
			size_t vl = ve - v;
			if (vl >= 2 && (val[0] == '"' || val[0] == '\'')) {
				val++;
				vl -= 2;
			}
			if (rewrite_is_pv_device(val, vl)) {
				/* grub-mkconfig probes the device; a LABEL= here would break it. Without the
				 * setting it finds the root filesystem itself. */
				out_change(out, "line %u: commented out GRUB_DEVICE=%.*s (grub-mkconfig finds the root "
					   "itself)", l.no, (int)vl, val);
				sb_str(&b, "# ");
				sb_add(&b, l.p, l.n);
				sb_str(&b, "  # virtmode: the device name changes under HVM");
				if (l.nl)
					sb_add(&b, "\n", 1);
				continue;
			}
		}
		sb_add(&b, l.p, l.n + l.nl);
	}
	if (serial && pv_console) {
		if (b.len && b.s[b.len - 1] != '\n')
			sb_add(&b, "\n", 1);
		if (!has_terminal) {
			sb_str(&b, "GRUB_TERMINAL=\"serial console\"\n");
			out_change(out, "added GRUB_TERMINAL=\"serial console\"");
		}
		if (!has_serial_cmd) {
			sb_printf(&b, "GRUB_SERIAL_COMMAND=\"serial --unit=%s --speed=115200\"\n", serial_unit(con));
			out_change(out, "added GRUB_SERIAL_COMMAND (%s, 115200 baud)", con);
		}
	}
	return finish(&b, out);
}

/* ---- device.map ---- */

int rewrite_device_map(const char *in, size_t n, const struct rewrite_env *env, struct rewrite_out *out)
{
	struct sb b = { 0 };
	struct line l = { 0 };
	size_t pos = 0;

	memset(out, 0, sizeof *out);
	while (next_line(in, n, &pos, &l)) {
		struct fields f;
		if (is_comment(&l) || !env->disk_dev || (split_fields(&l, &f), f.n != 2) ||
		    !rewrite_is_pv_device(FIELD(&l, &f, 1)) ||
		    word_eq(l.p + f.start[1], f.end[1] - f.start[1], env->disk_dev)) {
			sb_add(&b, l.p, l.n + l.nl);
			continue;
		}
		out_change(out, "line %u: %.*s -> %s", l.no, (int)(f.end[1] - f.start[1]), l.p + f.start[1],
			   env->disk_dev);
		sb_add(&b, l.p, f.start[1]);
		sb_str(&b, env->disk_dev);
		sb_add(&b, l.p + f.end[1], l.n - f.end[1] + l.nl);
	}
	return finish(&b, out);
}

/* ---- /etc/inittab ---- */

/* The process field of an inittab line names the tty as a word: "/sbin/getty 38400 hvc0". */
static bool find_tty_word(const char *p, size_t n, const char *tty, size_t *at)
{
	size_t tl = strlen(tty);
	for (size_t i = 0; i + tl <= n; i++) {
		bool left = i == 0 || is_blank(p[i - 1]) || p[i - 1] == '/';
		bool right = i + tl == n || is_blank(p[i + tl]);
		if (left && right && !memcmp(p + i, tty, tl)) {
			*at = i;
			return true;
		}
	}
	return false;
}

int rewrite_inittab(const char *in, size_t n, const struct rewrite_env *env, struct rewrite_out *out)
{
	struct sb b = { 0 };
	struct line l = { 0 };
	size_t pos = 0, at;
	const char *con = console_or_default(env);
	bool has_con = false;
	char ids[64][5];
	size_t nids = 0;

	memset(out, 0, sizeof *out);
	while (next_line(in, n, &pos, &l)) {
		if (is_comment(&l))
			continue;
		const char *c = memchr(l.p, ':', l.n);
		if (c && nids < 64 && (size_t)(c - l.p) <= 4) {
			memcpy(ids[nids], l.p, (size_t)(c - l.p));
			ids[nids++][c - l.p] = '\0';
		}
		if (find_tty_word(l.p, l.n, con, &at) && memmem(l.p, l.n, "getty", 5))
			has_con = true;
	}
	memset(&l, 0, sizeof l);
	pos = 0;
	while (next_line(in, n, &pos, &l)) {
		const char *tty = NULL;
		/* id:runlevels:action:process -- the tty is a word of the process field */
		size_t ps = 0;
		for (int colons = 0; ps < l.n && colons < 3; ps++)
			colons += l.p[ps] == ':';
		if (!is_comment(&l) && ps < l.n && memmem(l.p + ps, l.n - ps, "getty", 5)) {
			if (find_tty_word(l.p + ps, l.n - ps, "hvc0", &at))
				tty = "hvc0";
			else if (find_tty_word(l.p + ps, l.n - ps, "xvc0", &at))
				tty = "xvc0";
			at += ps;
		}
		const char *c = tty ? memchr(l.p, ':', l.n) : NULL;
		if (!c) {
			sb_add(&b, l.p, l.n + l.nl);
			continue;
		}
		/* The PV console does not exist under HVM: init would respawn its getty forever. */
		sb_str(&b, "#");
		sb_add(&b, l.p, l.n);
		sb_printf(&b, "\n");
		out_change(out, "line %u: disabled the getty on %s (no such console under HVM)", l.no, tty);
		if (!has_con) {
			/* a twin on the serial console: a free id, the same runlevels, action and getty */
			char id[5];
			const char *want[] = { "S0", "T0", "vS0", "vmS0" };
			snprintf(id, sizeof id, "%s", "vm");
			for (size_t w = 0; w < 4; w++) {
				bool used = false;
				for (size_t k = 0; k < nids; k++)
					used |= !strcmp(ids[k], want[w]);
				if (!used) {
					snprintf(id, sizeof id, "%s", want[w]);
					break;
				}
			}
			sb_str(&b, id);
			sb_add(&b, c, at - (size_t)(c - l.p));
			sb_str(&b, con);
			sb_add(&b, l.p + at + 4, l.n - at - 4);
			sb_add(&b, "\n", 1);
			out_change(out, "line %u: added a getty on %s (id %s)", l.no, con, id);
			has_con = true;
		}
	}
	return finish(&b, out);
}

/* ---- initramfs-tools resume, securetty ---- */

int rewrite_resume_conf(const char *in, size_t n, const struct rewrite_env *env, struct rewrite_out *out)
{
	struct sb b = { 0 };
	struct line l = { 0 };
	size_t pos = 0, v;

	(void)env;
	memset(out, 0, sizeof *out);
	while (next_line(in, n, &pos, &l)) {
		size_t ks = skip_ws(l.p, l.n, 0);
		if (!is_comment(&l) && is_key(&l, ks, "RESUME", &v)) {
			size_t ve = skip_word(l.p, l.n, v);
			const char *val = l.p + v;
			size_t vl = ve - v;
			if (vl >= 2 && (val[0] == '"' || val[0] == '\'')) {
				val++;
				vl -= 2;
			}
			if (rewrite_is_pv_device(val, vl)) {
				out_change(out, "line %u: RESUME=%.*s -> RESUME=none", l.no, (int)vl, val);
				out_note(out, "line %u: resume device %.*s is not in this image; hibernation resume "
					 "disabled (the current initramfs still names it: rebuild it)", l.no, (int)vl, val);
				sb_add(&b, l.p, v);
				sb_str(&b, "none");
				sb_add(&b, l.p + ve, l.n - ve + l.nl);
				continue;
			}
		}
		sb_add(&b, l.p, l.n + l.nl);
	}
	return finish(&b, out);
}

int rewrite_securetty(const char *in, size_t n, const struct rewrite_env *env, struct rewrite_out *out)
{
	struct sb b = { 0 };
	struct line l = { 0 };
	size_t pos = 0;
	const char *con = console_or_default(env);

	memset(out, 0, sizeof *out);
	while (next_line(in, n, &pos, &l)) {
		size_t s = skip_ws(l.p, l.n, 0), e = skip_word(l.p, l.n, s);
		if (word_eq(l.p + s, e - s, con)) {
			sb_add(&b, in, n);
			return finish(&b, out);
		}
	}
	sb_add(&b, in, n);
	if (n && in[n - 1] != '\n')
		sb_add(&b, "\n", 1);
	sb_printf(&b, "%s\n", con);
	out_change(out, "added %s (root may log in on the serial console)", con);
	return finish(&b, out);
}
