/* collect: a snapshot root of exactly what detect reads. Gathering runs once with the reader tracing; every
 * traced path is then copied from the source root (links as links), and the two pieces of evidence that are
 * not files live (CPUID, the kernel log) are written as cpuid.txt, cpuid-xen-forced.txt and dmesg.txt. */
#include "detect/detect.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <sys/wait.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "detect/gather.h"
#include "detect/rootfs.h"
#include "detect/tables.h"

struct collect {
	const struct rootfs *src;
	int dst;             /* the output directory */
	bool include_ids;
	FILE *errors;        /* .errors.txt */
};

static int write_file(int dst, const char *rel, const char *buf, size_t len)
{
	int fd = openat(dst, rel, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno == EEXIST ? 0 : -errno;
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = -errno;
			close(fd);
			return e;
		}
		buf += n;
		len -= (size_t)n;
	}
	return close(fd) < 0 ? -errno : 0;
}

/* "a/b/../c" → "a/c"; ".." never climbs above the root. */
static void normalize(char *path)
{
	char out[PATH_MAX * 2] = "";
	size_t n = 0;
	for (char *save, *c = strtok_r(path, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			char *s = strrchr(out, '/');
			n = s ? (size_t)(s - out) : 0;
			out[n] = 0;
			continue;
		}
		n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", n ? "/" : "", c);
		if (n >= sizeof out)
			n = sizeof out - 1;
	}
	strcpy(path, out);
}

/* What a file of the source may be copied as: identifying values are dropped unless asked for. */
static bool filter(const struct collect *c, const char *rel, struct rootfs_data *d)
{
	if (!strcmp(rel, "proc/1/environ") || (strstr(rel, "proc/") && strstr(rel, "/environ"))) {
		/* PID 1's environment may hold secrets; detect only uses container=. */
		size_t o = 0;
		for (size_t i = 0; i < d->len; i += strlen(d->buf + i) + 1)
			if (!strncmp(d->buf + i, "container=", 10)) {
				size_t n = strlen(d->buf + i) + 1;
				memmove(d->buf + o, d->buf + i, n);
				o += n;
			}
		d->len = o;
		return true;
	}
	if (!c->include_ids && strstr(rel, "dmi/id/chassis_asset_tag")) {
		/* An asset tag identifies a machine, unless it is one of the fixed tags clouds use. */
		struct dmi_match m;
		char v[80];
		snprintf(v, sizeof v, "%.*s", (int)strcspn(d->buf, "\n"), d->buf);
		return tables_dmi("chassis_asset_tag", v, &m);
	}
	return true;
}

/* Copies REL from the source (its links recreated as links, then followed when FOLLOW_LAST or not last).
 * Missing pieces end the copy quietly: absence is what the snapshot should show. */
static void copy_path(const struct collect *c, const char *rel, bool follow_last, int depth)
{
	char path[PATH_MAX * 2], prefix[PATH_MAX * 2] = "";
	size_t plen = 0;

	if (depth > 40 || strlen(rel) >= PATH_MAX)
		return;
	snprintf(path, sizeof path, "%s", rel);
	normalize(path);
	char *p = path;
	while (*p) {
		char *slash = strchr(p, '/');
		bool last = !slash;
		if (slash)
			*slash = 0;
		plen += (size_t)snprintf(prefix + plen, sizeof prefix - plen, "%s%s", plen ? "/" : "", p);
		int kind = rootfs_kind(c->src, prefix);
		if (kind < 0)
			return;
		if (kind == ROOTFS_LINK) {
			char target[PATH_MAX], next[PATH_MAX * 3];
			if (rootfs_readlink(c->src, prefix, target, sizeof target) < 0)
				return;
			if (symlinkat(target, c->dst, prefix) < 0 && errno != EEXIST)
				return;
			if (last && !follow_last)
				return;
			char *dir = strrchr(prefix, '/');
			if (dir)
				*dir = 0;
			snprintf(next, sizeof next, "%s/%s%s%s", target[0] == '/' || !dir ? "" : prefix, target,
				 last ? "" : "/", last ? "" : slash + 1);
			copy_path(c, next, follow_last, depth + 1);
			return;
		}
		if (kind == ROOTFS_DIR) {
			if (mkdirat(c->dst, prefix, 0755) < 0 && errno != EEXIST)
				return;
		} else if (kind == ROOTFS_FILE && last) {
			struct rootfs_data d;
			if (rootfs_read(c->src, prefix, GATHER_DMESG_CAP, &d) == 0) {
				if (filter(c, prefix, &d))
					write_file(c->dst, prefix, d.buf, d.len);
				rootfs_data_free(&d);
			}
			return;
		} else {
			return;
		}
		if (last)
			return;
		p = slash + 1;
	}
}

/* A listed directory: the directory and its entries' links (sysfs class directories are all links). */
static void copy_list(const struct collect *c, const char *rel)
{
	char names[64][64], entry[PATH_MAX];
	char real[PATH_MAX];

	copy_path(c, rel, true, 0);
	if (rootfs_realpath(c->src, rel, real, sizeof real) < 0)
		return;
	int n = rootfs_list(c->src, rel, names, 64);
	for (int i = 0; i < n; i++) {
		snprintf(entry, sizeof entry, "%s/%s", real, names[i]);
		int kind = rootfs_kind(c->src, entry);
		if (kind == ROOTFS_LINK)
			copy_path(c, entry, false, 0);
		else if (kind == ROOTFS_DIR)
			mkdirat(c->dst, entry, 0755);
	}
}

static int write_live_evidence(const struct collect *c)
{
	static char buf[64 * 1024];
	struct cpuid_dump d;
	int e;

	cpuid_read_live(false, &d);
	if ((e = write_file(c->dst, "cpuid.txt", buf, cpuid_format(&d, buf, sizeof buf))) < 0)
		return e;
	cpuid_read_live(true, &d);
	if ((e = write_file(c->dst, "cpuid-xen-forced.txt", buf, cpuid_format(&d, buf, sizeof buf))) < 0)
		return e;

	char *log;
	size_t len;
	if ((e = gather_live_dmesg(&log, &len)) < 0) {
		/* dmesg_restrict for non-root: say so, the snapshot then reports it as the live run does. */
		fprintf(c->errors, "dmesg.txt: %s\n", strerror(-e));
		return 0;
	}
	e = write_file(c->dst, "dmesg.txt", log, len);
	free(log);
	return e;
}

static void write_provenance(const struct collect *c)
{
	struct utsname u;
	char buf[1024];
	time_t now = time(NULL);
	struct tm tm;

	if (uname(&u) == 0) {
		int n = snprintf(buf, sizeof buf, "%s %s %s %s %s\n", u.sysname, "(hostname-omitted)", u.release,
				 u.version, u.machine);
		write_file(c->dst, "uname.txt", buf, (size_t)n);
	}
	gmtime_r(&now, &tm);
	int n = snprintf(buf, sizeof buf,
			 "virtmode collect " VIRTMODE_VERSION "\ndate: %04d-%02d-%02dT%02d:%02d:%02dZ\nuid: %u\n"
			 "ids: %s\n",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (unsigned)getuid(), c->include_ids ? "included" : "left out");
	write_file(c->dst, "collected.txt", buf, (size_t)n);
}

int detect_collect(const char *root, const char *dir, bool include_ids, const char **what)
{
	struct rootfs *src;
	struct evidence *ev;
	int e;

	*what = dir;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	struct collect c = { .include_ids = include_ids };
	c.dst = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.dst < 0)
		return -errno;
	/* Only into an empty directory: collect never mixes two machines. */
	char names[1][64];
	struct rootfs *out;
	if (rootfs_open(dir, &out) == 0) {
		int n = rootfs_list(out, ".", names, 1);
		rootfs_close(out);
		if (n > 0) {
			close(c.dst);
			return -ENOTEMPTY;
		}
	}
	if ((e = rootfs_open(root, &src)) < 0) {
		*what = root;
		close(c.dst);
		return e;
	}
	c.src = src;
	rootfs_trace_start(src);
	ev = malloc(sizeof *ev);
	char *errbuf = NULL;
	size_t errlen = 0;
	c.errors = open_memstream(&errbuf, &errlen);
	if (!ev || !c.errors) {
		free(ev);
		rootfs_close(src);
		close(c.dst);
		return -ENOMEM;
	}
	gather_all(src, ev);

	const struct rootfs_traced *t;
	int n = rootfs_traced(src, &t);
	for (int i = 0; i < n; i++) {
		if (t[i].op == ROOTFS_OP_LIST)
			copy_list(&c, t[i].path);
		else
			copy_path(&c, t[i].path, t[i].op != ROOTFS_OP_READLINK, 0);
	}
	e = 0;
	if (rootfs_is_live(src))
		e = write_live_evidence(&c);
	/* What existed but could not be read, so that the snapshot reports it too. */
	for (int i = 0; i < ev->n_problems; i++)
		if (strcmp(ev->problems[i].path, "dmesg (kernel log)"))
			fprintf(c.errors, "%s: %s\n", ev->problems[i].path, strerror(ev->problems[i].error));
	fclose(c.errors);
	if (e == 0 && errlen)
		e = write_file(c.dst, ".errors.txt", errbuf, errlen);
	free(errbuf);
	if (e == 0)
		write_provenance(&c);
	free(ev);
	rootfs_close(src);
	close(c.dst);
	return e;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

extern char **environ;

int detect_collect_archive(const char *root, const char *file, bool include_ids, const char **what)
{
	char tmp[] = "/tmp/virtmode-collect-XXXXXX", snap[64];
	int e;

	if (!mkdtemp(tmp)) {
		*what = "/tmp";
		return -errno;
	}
	/* The archive holds one directory, named like the file: "snap.tar.gz" unpacks into snap/. */
	snprintf(snap, sizeof snap, "%s/snapshot", tmp);
	e = detect_collect(root, snap, include_ids, what);
	if (e == 0) {
		char *argv[] = { "tar", "-czf", (char *)file, "-C", tmp, "snapshot", NULL };
		pid_t pid;
		int status;
		e = -posix_spawnp(&pid, "tar", NULL, NULL, argv, environ);
		if (e == 0 && waitpid(pid, &status, 0) == pid && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
			e = -EIO;
		if (e < 0)
			*what = file;
	}
	nftw(tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return e;
}
