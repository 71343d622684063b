/* Root-relative file access for live machines and snapshot roots.
 *
 * A snapshot root is outside data: its links may point anywhere, loop, or name a FIFO. So under a snapshot
 * root we resolve each path component ourselves, with the semantics of openat2(RESOLVE_IN_ROOT): ".." stops
 * at the root, an absolute link target starts again at the root, and more than 40 links is a loop.
 *
 * Snapshots that travelled through tools which do not keep symlinks (a copy, some archivers) hold a sysfs
 * link as a small regular file whose whole content is the link text, e.g. "../../devices/vif-0/net/eth0" with
 * no newline. Sysfs attributes always end in a newline and never start with "../", so such a file is taken
 * for the link it was. Live, the kernel's own links are trusted and resolved by the kernel. */
#include "detect/rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ROOTFS_MAX_LINKS 40

struct rootfs_error {
	char path[256];
	int error;
};

struct rootfs {
	int dirfd; /* the snapshot root, or -1 live */
	char root[PATH_MAX];
	struct rootfs_error *errors; /* from the snapshot's .errors.txt */
	int n_errors;
	/* Tracing is the one thing a const reader changes: it records, it does not alter what is read. */
	bool tracing;
	struct rootfs_traced *trace;
	int n_trace, cap_trace;
};

static void trace(const struct rootfs *cr, enum rootfs_op op, const char *path)
{
	struct rootfs *r = (struct rootfs *)cr;
	if (!r->tracing || strlen(path) >= sizeof r->trace[0].path)
		return;
	for (int i = 0; i < r->n_trace; i++)
		if (r->trace[i].op == op && !strcmp(r->trace[i].path, path))
			return;
	if (r->n_trace == r->cap_trace) {
		int nc = r->cap_trace ? r->cap_trace * 2 : 256;
		struct rootfs_traced *t = realloc(r->trace, (size_t)nc * sizeof *t);
		if (!t)
			return;
		r->trace = t;
		r->cap_trace = nc;
	}
	r->trace[r->n_trace].op = op;
	strcpy(r->trace[r->n_trace++].path, path);
}

void rootfs_trace_start(struct rootfs *r)
{
	r->tracing = true;
}

int rootfs_traced(const struct rootfs *r, const struct rootfs_traced **out)
{
	*out = r->trace;
	return r->n_trace;
}

/* errno for a strerror() text, 0 if none matches. */
static int errno_from_text(const char *t)
{
	for (int e = 1; e < 134; e++) {
		const char *s = strerror(e);
		size_t n = strlen(s), tl = strlen(t);
		if (tl >= n && !strcmp(t + tl - n, s))
			return e;
	}
	return 0;
}

static void load_errors(struct rootfs *r)
{
	struct rootfs_data d;
	if (rootfs_read(r, ".errors.txt", 64 * 1024, &d) < 0)
		return;
	for (char *save, *l = strtok_r(d.buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *colon = strstr(l, ": ");
		if (!colon || colon - l >= 256)
			continue;
		*colon = 0;
		char *msg = colon + 2;
		size_t ml = strlen(msg);
		while (ml && msg[ml - 1] == ' ')
			msg[--ml] = 0;
		int e = errno_from_text(msg);
		if (!e)
			continue;
		struct rootfs_error *ne = realloc(r->errors, (size_t)(r->n_errors + 1) * sizeof *ne);
		if (!ne)
			break;
		r->errors = ne;
		snprintf(r->errors[r->n_errors].path, sizeof ne->path, "%s", l[0] == '/' ? l + 1 : l);
		r->errors[r->n_errors++].error = e;
	}
	rootfs_data_free(&d);
}

static int replayed_error(const struct rootfs *r, const char *path, int e)
{
	if (e != -ENOENT)
		return e;
	while (*path == '/')
		path++;
	for (int i = 0; i < r->n_errors; i++)
		if (!strcmp(r->errors[i].path, path))
			return -r->errors[i].error;
	return e;
}

int rootfs_open(const char *root, struct rootfs **out)
{
	struct rootfs *r = calloc(1, sizeof *r);

	if (!r)
		return -ENOMEM;
	r->dirfd = -1;
	if (!root || !strcmp(root, "/")) {
		strcpy(r->root, "/");
	} else {
		if (strlen(root) >= sizeof r->root) {
			free(r);
			return -ENAMETOOLONG;
		}
		strcpy(r->root, root);
		r->dirfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (r->dirfd < 0) {
			int e = -errno;
			free(r);
			return e;
		}
		load_errors(r);
	}
	*out = r;
	return 0;
}

void rootfs_close(struct rootfs *r)
{
	if (!r)
		return;
	if (r->dirfd >= 0)
		close(r->dirfd);
	free(r->errors);
	free(r->trace);
	free(r);
}

bool rootfs_is_live(const struct rootfs *r)
{
	return r->dirfd < 0;
}

const char *rootfs_root(const struct rootfs *r)
{
	return r->root;
}

/* Live: "/" + PATH. */
static int live_path(const char *path, char *buf, size_t size)
{
	while (*path == '/')
		path++;
	if ((size_t)snprintf(buf, size, "/%s", path) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* Is the regular file at CANON (relative to dirfd) a flattened link? Then its text goes to TARGET. */
static bool flattened_link(int dirfd, const char *canon, const struct stat *st, char *target, size_t size)
{
	if (st->st_size < 4 || (size_t)st->st_size >= size || st->st_size > 1024)
		return false;
	int fd = openat(dirfd, canon, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, target, size - 1);
	close(fd);
	if (n < 4 || n != st->st_size || memcmp(target, "../", 3))
		return false;
	target[n] = 0;
	return !memchr(target, '\n', (size_t)n) && strlen(target) == (size_t)n;
}

/* Resolves PATH under the snapshot root into CANON ("" is the root itself). FOLLOW_LAST: whether a link in
 * the final component is followed. Returns 0, or a negative errno; -ENOENT for a missing component. */
static int resolve(const struct rootfs *r, const char *path, bool follow_last, char *canon, size_t size)
{
	char rest[PATH_MAX * 2], target[PATH_MAX];
	size_t clen = 0;
	int links = 0;

	if (strlen(path) >= sizeof rest)
		return -ENAMETOOLONG;
	strcpy(rest, path);
	canon[0] = 0;

	char *p = rest;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char *after = p + n;
		while (*after == '/')
			after++;
		bool last = !*after;

		if (n == 1 && p[0] == '.') {
			p = after;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *slash = strrchr(canon, '/');
			clen = slash ? (size_t)(slash - canon) : 0;
			canon[clen] = 0;
			p = after;
			continue;
		}
		if (clen + 1 + n + 1 > size)
			return -ENAMETOOLONG;
		size_t old = clen;
		if (clen)
			canon[clen++] = '/';
		memcpy(canon + clen, p, n);
		clen += n;
		canon[clen] = 0;

		struct stat st;
		if (fstatat(r->dirfd, canon, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;

		bool is_link = false;
		if (S_ISLNK(st.st_mode)) {
			ssize_t t = readlinkat(r->dirfd, canon, target, sizeof target - 1);
			if (t < 0)
				return -errno;
			target[t] = 0;
			is_link = true;
		} else if (S_ISREG(st.st_mode) && (!last || follow_last)) {
			is_link = flattened_link(r->dirfd, canon, &st, target, sizeof target);
		}

		if (is_link && (!last || follow_last)) {
			if (++links > ROOTFS_MAX_LINKS)
				return -ELOOP;
			/* The rest of the path goes after the link's target; both replace what is left. */
			char next[PATH_MAX * 2];
			if ((size_t)snprintf(next, sizeof next, "%s/%s", target, after) >= sizeof next)
				return -ENAMETOOLONG;
			strcpy(rest, next);
			p = rest;
			if (target[0] == '/') {
				clen = 0;
			} else {
				clen = old;
			}
			canon[clen] = 0;
			continue;
		}
		if (!last && !S_ISDIR(st.st_mode))
			return -ENOTDIR;
		p = after;
	}
	return 0;
}

static int open_path(const struct rootfs *r, const char *path, int flags)
{
	char buf[PATH_MAX];
	int e, fd;

	if (rootfs_is_live(r)) {
		if ((e = live_path(path, buf, sizeof buf)) < 0)
			return e;
		fd = open(buf, flags | O_CLOEXEC);
	} else {
		if ((e = resolve(r, path, true, buf, sizeof buf)) < 0)
			return e;
		fd = openat(r->dirfd, buf[0] ? buf : ".", flags | O_NOFOLLOW | O_CLOEXEC);
	}
	return fd < 0 ? -errno : fd;
}

int rootfs_read(const struct rootfs *r, const char *path, size_t cap, struct rootfs_data *out)
{
	struct stat st;
	int fd;

	memset(out, 0, sizeof *out);
	trace(r, ROOTFS_OP_READ, path);
	/* O_NONBLOCK: a FIFO planted in a snapshot must not hang us; it is refused below anyway. */
	fd = open_path(r, path, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return replayed_error(r, path, fd);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	out->size = st.st_size;
	size_t alloc = st.st_size > 0 && (size_t)st.st_size < cap ? (size_t)st.st_size + 1 : 4096;
	if (alloc > cap + 1)
		alloc = cap + 1;
	out->buf = malloc(alloc);
	if (!out->buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (out->len + 1 >= alloc) {
			if (alloc >= cap + 1) {
				/* Full: one more byte tells whether there was more. */
				char c;
				out->truncated = read(fd, &c, 1) == 1;
				break;
			}
			size_t na = alloc * 2 > cap + 1 ? cap + 1 : alloc * 2;
			char *nb = realloc(out->buf, na);
			if (!nb) {
				rootfs_data_free(out);
				close(fd);
				return -ENOMEM;
			}
			out->buf = nb;
			alloc = na;
		}
		ssize_t n = read(fd, out->buf + out->len, alloc - 1 - out->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = -errno;
			rootfs_data_free(out);
			close(fd);
			return e;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
	}
	out->buf[out->len] = 0;
	close(fd);
	return 0;
}

void rootfs_data_free(struct rootfs_data *d)
{
	free(d->buf);
	d->buf = NULL;
	d->len = 0;
}

int rootfs_read_line(const struct rootfs *r, const char *path, char *buf, size_t size)
{
	struct rootfs_data d;
	int e = rootfs_read(r, path, size > 1 ? size - 1 : 1, &d);

	if (e < 0) {
		if (size)
			buf[0] = 0;
		return e;
	}
	size_t n = strnlen(d.buf, d.len);
	while (n && (d.buf[n - 1] == '\n' || d.buf[n - 1] == ' ' || d.buf[n - 1] == '\t' || d.buf[n - 1] == '\r'))
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(buf, d.buf, n);
	buf[n] = 0;
	rootfs_data_free(&d);
	return 0;
}

int rootfs_readlink(const struct rootfs *r, const char *path, char *buf, size_t size)
{
	char p[PATH_MAX];
	ssize_t n;
	int e;

	if (size == 0)
		return -EINVAL;
	trace(r, ROOTFS_OP_READLINK, path);
	if (rootfs_is_live(r)) {
		if ((e = live_path(path, p, sizeof p)) < 0)
			return e;
		n = readlink(p, buf, size - 1);
		if (n < 0)
			return -errno;
		buf[n] = 0;
		return 0;
	}
	if ((e = resolve(r, path, false, p, sizeof p)) < 0)
		return e;
	struct stat st;
	if (fstatat(r->dirfd, p, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISLNK(st.st_mode)) {
		n = readlinkat(r->dirfd, p, buf, size - 1);
		if (n < 0)
			return -errno;
		buf[n] = 0;
		return 0;
	}
	if (S_ISREG(st.st_mode) && flattened_link(r->dirfd, p, &st, buf, size))
		return 0;
	return -EINVAL;
}

int rootfs_link_name(const struct rootfs *r, const char *path, char *buf, size_t size)
{
	char t[PATH_MAX];
	int e = rootfs_readlink(r, path, t, sizeof t);

	if (e < 0)
		return e;
	size_t n = strlen(t);
	while (n && t[n - 1] == '/')
		t[--n] = 0;
	const char *base = strrchr(t, '/');
	base = base ? base + 1 : t;
	if (!*base || strlen(base) >= size)
		return -EINVAL;
	strcpy(buf, base);
	return 0;
}

int rootfs_realpath(const struct rootfs *r, const char *path, char *buf, size_t size)
{
	char p[PATH_MAX];
	int e;

	trace(r, ROOTFS_OP_REALPATH, path);
	if (rootfs_is_live(r)) {
		char resolved[PATH_MAX];
		if ((e = live_path(path, p, sizeof p)) < 0)
			return e;
		if (!realpath(p, resolved))
			return -errno;
		const char *rel = resolved;
		while (*rel == '/')
			rel++;
		if (strlen(rel) >= size)
			return -ENAMETOOLONG;
		strcpy(buf, rel);
		return 0;
	}
	return resolve(r, path, true, buf, size);
}

int rootfs_exists(const struct rootfs *r, const char *path)
{
	char p[PATH_MAX];
	int e;

	trace(r, ROOTFS_OP_EXISTS, path);
	if (rootfs_is_live(r)) {
		if ((e = live_path(path, p, sizeof p)) < 0)
			return e;
		return access(p, F_OK) < 0 ? -errno : 0;
	}
	return resolve(r, path, true, p, sizeof p);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

int rootfs_list(const struct rootfs *r, const char *path, char (*names)[64], int max)
{
	trace(r, ROOTFS_OP_LIST, path);
	int fd = open_path(r, path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = -errno;
		close(fd);
		return e;
	}
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < max) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (strlen(de->d_name) >= 64)
			continue;
		strcpy(names[n++], de->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof names[0], cmp_names);
	return n;
}

int rootfs_kind(const struct rootfs *r, const char *path)
{
	char p[PATH_MAX], t[PATH_MAX];
	struct stat st;
	int e;

	if (rootfs_is_live(r)) {
		if ((e = live_path(path, p, sizeof p)) < 0)
			return e;
		if (lstat(p, &st) < 0)
			return -errno;
	} else {
		if ((e = resolve(r, path, false, p, sizeof p)) < 0)
			return e;
		if (fstatat(r->dirfd, p[0] ? p : ".", &st, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
		if (S_ISREG(st.st_mode) && flattened_link(r->dirfd, p, &st, t, sizeof t))
			return ROOTFS_LINK;
	}
	return S_ISLNK(st.st_mode) ? ROOTFS_LINK : S_ISDIR(st.st_mode) ? ROOTFS_DIR : S_ISREG(st.st_mode) ? ROOTFS_FILE : ROOTFS_OTHER;
}
