#include "bench/diskfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* The one piece of global state besides the command line: a signal handler can only find the file
 * to remove through a static. Fixed-size buffers, written before the handler is installed, so the
 * handler does nothing but async-signal-safe unlink/rmdir. */
static char diskfile_path[PATH_MAX];
static char diskfile_tmpdir[PATH_MAX];
static const int diskfile_signals[] = { SIGINT, SIGTERM, SIGHUP };
static struct sigaction diskfile_old[3];

static void diskfile_cleanup_paths(void)
{
	if (diskfile_path[0])
		unlink(diskfile_path);
	if (diskfile_tmpdir[0])
		rmdir(diskfile_tmpdir);
	diskfile_path[0] = diskfile_tmpdir[0] = 0;
}

static void diskfile_on_signal(int sig)
{
	diskfile_cleanup_paths();
	/* Die of the same signal, so the parent sees what happened. */
	signal(sig, SIG_DFL);
	raise(sig);
}

static void diskfile_handlers(bool install)
{
	for (size_t i = 0; i < sizeof diskfile_signals / sizeof diskfile_signals[0]; i++) {
		if (install) {
			struct sigaction sa = { .sa_handler = diskfile_on_signal };
			sigemptyset(&sa.sa_mask);
			sigaction(diskfile_signals[i], &sa, &diskfile_old[i]);
		} else {
			sigaction(diskfile_signals[i], &diskfile_old[i], NULL);
		}
	}
}

uint64_t diskfile_size_for(uint64_t free_bytes, uint64_t cap)
{
	uint64_t s = free_bytes / 4;

	if (s > cap)
		s = cap;
	s -= s % DISKFILE_BLOCK;
	return s < DISKFILE_MIN_SIZE ? 0 : s;
}

static int diskfile_fail(int err, const char *what, char **whatp, char **msg, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int diskfile_fail(int err, const char *what, char **whatp, char **msg, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	*whatp = strdup(what);
	*msg = strdup(buf);
	return -err;
}

void diskfile_pattern(void *buf, size_t len, uint64_t seed)
{
	uint64_t x = seed | 1;

	for (size_t i = 0; i < len / 8; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		((uint64_t *)buf)[i] = x;
	}
}

enum { HUGE_PAGE = 2u << 20 };
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25 /* Linux 6.1; glibc 2.36's <sys/mman.h> does not have it yet */
#endif

/* From 4 KiB pages a 1 MiB O_DIRECT request is 256 scatter-gather segments: more than virtio-blk
 * takes (254 here) or Xen's blkfront (32 with indirect descriptors), so the block layer splits it,
 * into as many requests as the pages happen to be discontiguous. That moved 1 MiB reads between
 * 1480 and 2120 MB/s from one process to the next here, and fio between 1600 and 2500. In one huge
 * page the request is one segment every time, and what is left is the disk. */
void *diskfile_buffer(enum diskfile_page *page)
{
	char *map = mmap(NULL, 2 * HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (map == MAP_FAILED)
		return NULL;
	char *buf = (char *)(((uintptr_t)map + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
	if (buf > map)
		munmap(map, (size_t)(buf - map));
	munmap(buf + HUGE_PAGE, (size_t)(map + HUGE_PAGE - buf));
	madvise(buf, HUGE_PAGE, MADV_HUGEPAGE);
	buf[0] = 1;
	/* MADV_COLLAPSE (Linux 6.1) succeeds only when the range is, or now became, one huge page: the
	 * one way to know without parsing smaps. Older kernels say EINVAL. */
	if (madvise(buf, HUGE_PAGE, MADV_COLLAPSE) == 0)
		*page = DISKFILE_PAGE_HUGE;
	else
		*page = errno == EINVAL ? DISKFILE_PAGE_UNKNOWN : DISKFILE_PAGE_SMALL;
	return buf;
}

void diskfile_buffer_free(void *buf)
{
	if (buf)
		munmap(buf, HUGE_PAGE);
}

static int diskfile_fill(struct diskfile *df)
{
	void *buf;

	if (posix_memalign(&buf, 4096, DISKFILE_BLOCK))
		return -ENOMEM;
	/* Real data, not zeros: some virtual disks and filesystems short-cut all-zero blocks. */
	diskfile_pattern(buf, DISKFILE_BLOCK, 0x9e3779b97f4a7c15ull);
	int r = 0;
	for (uint64_t off = 0; off < df->size && !r; off += DISKFILE_BLOCK) {
		ssize_t n = pwrite(df->fd, buf, DISKFILE_BLOCK, (off_t)off);
		if (n < 0)
			r = -errno;
		else if (n != DISKFILE_BLOCK)
			r = -ENOSPC;
	}
	if (!r && fdatasync(df->fd) < 0)
		r = -errno;
	free(buf);
	return r;
}

int diskfile_create(const char *dir, uint64_t cap, struct diskfile *df, char **what, char **msg)
{
	struct statvfs sv;
	const char *where = dir;
	int r;

	df->fd = -1;
	diskfile_path[0] = diskfile_tmpdir[0] = 0;
	if (!dir) {
		/* A temp dir under ".", so the default measures the filesystem the user is in. */
		snprintf(diskfile_tmpdir, sizeof diskfile_tmpdir, "./virtmode-bench.XXXXXX");
		if (!mkdtemp(diskfile_tmpdir)) {
			int e = errno;
			diskfile_tmpdir[0] = 0;
			return diskfile_fail(e, ".", what, msg, "cannot create a directory for the disk test: %s (use --dir)",
					     strerror(e));
		}
		where = diskfile_tmpdir;
	}
	/* Error messages name the directory after diskfile_remove() has cleared the statics. */
	char where_copy[PATH_MAX];
	snprintf(where_copy, sizeof where_copy, "%s", where);
	where = where_copy;
	if (snprintf(diskfile_path, sizeof diskfile_path, "%s/virtmode-bench.XXXXXX", where) >= (int)sizeof diskfile_path) {
		diskfile_cleanup_paths();
		return diskfile_fail(ENAMETOOLONG, where, what, msg, "directory name too long");
	}
	diskfile_handlers(true);
	if (statvfs(where, &sv) < 0) {
		int e = errno;
		diskfile_path[0] = 0;
		diskfile_remove(df);
		return diskfile_fail(e, where, what, msg, "cannot use for the disk test: %s", strerror(e));
	}
	uint64_t free_bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
	df->size = diskfile_size_for(free_bytes, cap);
	if (df->size == 0) {
		diskfile_path[0] = 0;
		diskfile_remove(df);
		return diskfile_fail(ENOSPC, where, what, msg,
				     "not enough free space for the disk test: %llu KiB free, need %u MiB",
				     (unsigned long long)(free_bytes >> 10), (DISKFILE_MIN_SIZE * 4) >> 20);
	}
	df->fd = mkostemp(diskfile_path, O_CLOEXEC);
	if (df->fd < 0) {
		int e = errno;
		diskfile_path[0] = 0;
		diskfile_remove(df);
		return diskfile_fail(e, where, what, msg, "cannot create the disk test file: %s", strerror(e));
	}
	/* O_DIRECT on the same open file: the filesystem says EINVAL if it refuses it (tmpfs before
	 * 6.6, some FUSE and overlay setups); then the metrics run buffered and say so. */
	int fl = fcntl(df->fd, F_GETFL);
	df->direct = fl >= 0 && fcntl(df->fd, F_SETFL, fl | O_DIRECT) == 0;
	r = diskfile_fill(df);
	if (r < 0) {
		diskfile_remove(df);
		return diskfile_fail(-r, where, what, msg, "cannot write the %llu MiB disk test file: %s",
				     (unsigned long long)(df->size >> 20), strerror(-r));
	}
	return 0;
}

void diskfile_remove(struct diskfile *df)
{
	if (df->fd >= 0)
		close(df->fd);
	df->fd = -1;
	diskfile_cleanup_paths();
	diskfile_handlers(false);
}
