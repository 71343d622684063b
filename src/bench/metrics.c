/* Each metric isolates one path that virtualization changes. Setup builds what the hot loop needs
 * (partner process, buffers, file) outside the timed region; run times only the path itself. */
#include "bench/metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/calibrate.h"
#include "bench/clock.h"
#include "bench/forker.h"

/* A run that could not do its work: calibration and sampling stop there. */
#define FAIL CALIBRATE_FAILED

void metrics_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof set, &set);
}

/* ---- system call, clocks, control ---- */

static uint64_t run_syscall(struct metric_ctx *c, uint64_t n)
{
	(void)c;
	uint64_t t0 = clock_now_ns();
	for (uint64_t i = 0; i < n; i++)
		syscall(SYS_getppid); /* getppid: never cached by libc, the lmbench "null" call */
	return clock_now_ns() - t0;
}

static uint64_t run_clock_gettime(struct metric_ctx *c, uint64_t n)
{
	struct timespec ts;
	(void)c;
	uint64_t t0 = clock_now_ns();
	for (uint64_t i = 0; i < n; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	return clock_now_ns() - t0;
}

static uint64_t run_gettimeofday(struct metric_ctx *c, uint64_t n)
{
	struct timeval tv;
	(void)c;
	uint64_t t0 = clock_now_ns();
	for (uint64_t i = 0; i < n; i++)
		gettimeofday(&tv, NULL);
	return clock_now_ns() - t0;
}

static volatile uint64_t metrics_sink;

static uint64_t run_int_loop(struct metric_ctx *c, uint64_t n)
{
	uint64_t x = c->rng | 1;
	uint64_t t0 = clock_now_ns();
	for (uint64_t i = 0; i < n; i++)
		for (int k = 0; k < 100; k++) /* a dependency chain: no memory, no kernel, no vector units */
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
	uint64_t t = clock_now_ns() - t0;
	metrics_sink = x;
	return t;
}

/* ---- memory ---- */

static int setup_mem_copy(struct metric_ctx *c)
{
	/* 32 MiB each way: a 64 MiB footprint, twice the largest L3 of the machines this targets (and
	 * lmbench's 64 MB bw_mem size here); capped at 1/16 of available memory. */
	size_t size = 32u << 20;
	if (c->mem_avail && size > c->mem_avail / 16)
		size = (size_t)(c->mem_avail / 16) & ~(size_t)4095;
	if (size < (1u << 20))
		size = 1u << 20;
	c->buf = malloc(size);
	c->buf2 = malloc(size);
	if (!c->buf || !c->buf2)
		return -ENOMEM;
	memset(c->buf, 1, size);
	memset(c->buf2, 2, size);
	c->buf_size = size;
	snprintf(c->note, sizeof c->note, "%zu MiB buffers", size >> 20);
	return 0;
}

static uint64_t run_mem_copy(struct metric_ctx *c, uint64_t n)
{
	uint64_t t0 = clock_now_ns();
	for (uint64_t i = 0; i < n; i++) {
		memcpy(c->buf2, c->buf, c->buf_size);
		__asm__ volatile("" ::: "memory");
	}
	return clock_now_ns() - t0;
}

static void teardown_bufs(struct metric_ctx *c)
{
	free(c->buf);
	free(c->buf2);
	c->buf = c->buf2 = NULL;
}

static uint64_t run_page_fault(struct metric_ctx *c, uint64_t n)
{
	(void)c;
	size_t len = n * 4096;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return FAIL;
	/* One fault per 4 KiB page: no transparent huge page may serve 512 of them at once. */
	madvise(p, len, MADV_NOHUGEPAGE);
	uint64_t t0 = clock_now_ns();
	for (size_t off = 0; off < len; off += 4096)
		p[off] = 1;
	uint64_t t = clock_now_ns() - t0;
	munmap(p, len);
	return t;
}

/* A 2 MiB-aligned hole with nothing else mapped in its 2 MiB: there, every munmap frees the page
 * table the mmap built. Left to mmap's own placement, whether the 1 MiB shared a page-table range
 * with other mappings (so that no page table came or went) depended on where ASLR put them, which
 * differs from one process to the next. */
static int setup_mmap_hole(struct metric_ctx *c)
{
	const size_t pmd = 2u << 20;
	char *area = mmap(NULL, 2 * pmd, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (area == MAP_FAILED)
		return -errno;
	c->pos = ((uintptr_t)area + pmd - 1) & ~(uintptr_t)(pmd - 1);
	munmap(area, 2 * pmd);
	return 0;
}

static uint64_t run_mmap_munmap(struct metric_ctx *c, uint64_t n)
{
	void *at = (void *)(uintptr_t)c->pos;
	uint64_t t0 = clock_now_ns();
	for (uint64_t i = 0; i < n; i++) {
		/* 1 MiB with one page touched: a page table is built and torn down, which under Xen PV
		 * means pinning and unpinning it through the hypervisor. */
		char *p = mmap(at, 1u << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p == MAP_FAILED)
			return FAIL; /* something else took the hole: the measurement would not be this one */
		p[0] = 1;
		munmap(p, 1u << 20);
	}
	return clock_now_ns() - t0;
}

/* ---- page-cache mappings: lmbench's lat_pagefault and lat_mmap, on the disk file ---- */

/* 16 MiB, lmbench's customary file. A fixed size, because the value depends on it: random touches
 * over 4096 pages miss the TLB as they do in lat_pagefault, and the share of touches that fault
 * (the first in each fault-around window) holds only when every page of the mapping is touched. */
#define FILE_MAP_SIZE (16u << 20)
#define FILE_MAP_PAGES (FILE_MAP_SIZE / 4096)

static int file_map_check(struct metric_ctx *c)
{
	if (!c->disk)
		return -ENOENT;
	if (c->disk->size < FILE_MAP_SIZE) {
		snprintf(c->note, sizeof c->note, "the disk file is smaller than the 16 MiB this maps");
		return -ENOENT;
	}
	return 0;
}

/* A random order of the mapping's pages, as lat_pagefault's: in address order every fault would
 * map the next 15 pages ahead of their touches and the TLB would hardly miss. */
static uint32_t *file_map_order(struct metric_ctx *c)
{
	uint32_t *order = malloc(FILE_MAP_PAGES * sizeof *order);

	if (!order)
		return NULL;
	for (uint32_t i = 0; i < FILE_MAP_PAGES; i++)
		order[i] = i;
	for (uint32_t i = FILE_MAP_PAGES - 1; i > 0; i--) {
		c->rng ^= c->rng << 13, c->rng ^= c->rng >> 7, c->rng ^= c->rng << 17;
		uint32_t j = (uint32_t)(c->rng % (i + 1)), t = order[i];
		order[i] = order[j], order[j] = t;
	}
	return order;
}

/* Reads the range in, so that a touch later faults on a cached page and never waits for the disk
 * (an O_DIRECT write by a disk metric drops the cached copies of what it wrote). In random order,
 * as lat_pagefault's first pass reads its file in: how the pages came into the cache decides the
 * size of the folios that hold them, and so how many of them one fault maps. */
static int file_map_warm(struct metric_ctx *c, const uint32_t *order)
{
	volatile char *p = mmap(NULL, FILE_MAP_SIZE, PROT_READ, MAP_SHARED, c->disk->fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	for (uint32_t k = 0; k < FILE_MAP_PAGES; k++)
		(void)p[(size_t)order[k] * 4096];
	munmap((void *)p, FILE_MAP_SIZE);
	return 0;
}

/* Both file-mapping metrics: the page order (file_page_fault's touches) and a warm cache. */
static int setup_file_map(struct metric_ctx *c)
{
	int r = file_map_check(c);
	if (r < 0)
		return r;
	uint32_t *order = file_map_order(c);
	if (!order)
		return -ENOMEM;
	c->buf = (char *)order;
	return file_map_warm(c, order);
}

/* One iteration: a fresh mapping, every page touched once, unmapped. The munmap is timed: tearing
 * down what the faults mapped is part of their cost (lat_pagefault subtracts only the mmap and
 * munmap of an untouched mapping, about 1% of this here). */
static uint64_t run_file_page_fault(struct metric_ctx *c, uint64_t n)
{
	const uint32_t *order = (const uint32_t *)c->buf;
	unsigned sum = 0;
	uint64_t t0 = clock_now_ns();

	for (uint64_t i = 0; i < n; i++) {
		volatile const char *p = mmap(NULL, FILE_MAP_SIZE, PROT_READ, MAP_SHARED, c->disk->fd, 0);
		if (p == MAP_FAILED)
			return FAIL;
		for (uint32_t k = 0; k < FILE_MAP_PAGES; k++)
			sum += (unsigned char)p[(size_t)order[k] * 4096];
		munmap((void *)p, FILE_MAP_SIZE);
	}
	uint64_t t = clock_now_ns() - t0;
	metrics_sink = sum;
	return t;
}

static uint64_t run_file_mmap(struct metric_ctx *c, uint64_t n)
{
	uint64_t t0 = clock_now_ns();
	for (uint64_t i = 0; i < n; i++) {
		/* lat_mmap's pattern: a shared writable mapping of the whole range, one byte written
		 * every 16 KiB of its first tenth (sparse and full page tables both appear), unmapped. */
		char *p = mmap(NULL, FILE_MAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, c->disk->fd, 0);
		if (p == MAP_FAILED)
			return FAIL;
		for (size_t off = 0; off < FILE_MAP_SIZE / 10; off += 16u << 10)
			p[off] = 0;
		munmap(p, FILE_MAP_SIZE);
	}
	return clock_now_ns() - t0;
}

static void partner_child_init(int cpu);
static int partner_reap(struct metric_ctx *c);
static void teardown_partner(struct metric_ctx *c);

/* ---- processes: forked by the fork server (forker.c), a parent of fixed size ---- */

static int forker_call(struct metric_ctx *c, uint64_t op, uint64_t n, struct forker_reply *rp)
{
	struct forker_request rq = { op, n };

	if (write(c->fd_w, &rq, sizeof rq) != (ssize_t)sizeof rq || read(c->fd_r, rp, sizeof *rp) != (ssize_t)sizeof *rp)
		return -EPIPE;
	return rp->elapsed_ns == FORKER_FAILED ? -EIO : 0;
}

static int setup_forker(struct metric_ctx *c)
{
	int to[2], from[2];
	struct forker_reply rp;

	if (!c->forker) {
		snprintf(c->note, sizeof c->note, "the fork server virtmode-bench-forker was not found");
		return -ENOENT;
	}
	if (pipe2(to, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(from, O_CLOEXEC) < 0) {
		close(to[0]), close(to[1]);
		return -errno;
	}
	c->pid = fork();
	if (c->pid == 0) {
		char *argv[] = { (char *)c->forker, (char *)c->helper, NULL }, *envp[] = { NULL };
		/* On the metrics' CPU, as every metric runs, and killed with virtmode. */
		partner_child_init(c->cpu_a);
		if (dup2(to[0], 0) < 0 || dup2(from[1], 1) < 0)
			_exit(127);
		execve(c->forker, argv, envp);
		_exit(127);
	}
	close(to[0]), close(from[1]);
	if (c->pid < 0) {
		int e = errno;
		close(to[1]), close(from[0]);
		c->pid = 0;
		return -e;
	}
	c->fd_w = to[1];
	c->fd_r = from[0];
	if (forker_call(c, FORKER_PING, 0, &rp) < 0) {
		snprintf(c->note, sizeof c->note, "the fork server %s did not start", c->forker);
		close(c->fd_w), close(c->fd_r);
		partner_reap(c);
		return -EIO;
	}
	return 0;
}

static uint64_t run_forker(struct metric_ctx *c, uint64_t op, uint64_t n)
{
	struct forker_reply rp;

	if (forker_call(c, op, n, &rp) < 0)
		return FAIL;
	c->partner_preempted = rp.preempted > 0;
	return rp.elapsed_ns;
}

static uint64_t run_fork_exit(struct metric_ctx *c, uint64_t n) { return run_forker(c, FORKER_FORK_EXIT, n); }
static uint64_t run_fork_exec(struct metric_ctx *c, uint64_t n) { return run_forker(c, FORKER_FORK_EXEC, n); }

static int setup_fork_exec(struct metric_ctx *c)
{
	if (!c->helper || access(c->helper, X_OK) < 0) {
		snprintf(c->note, sizeof c->note, "the exec helper virtmode-bench-helper was not found");
		return -ENOENT;
	}
	return setup_forker(c);
}

/* ---- a partner process on a chosen CPU: pipe echo or TCP echo/sink ---- */

static void partner_child_init(int cpu)
{
	/* Dies with the parent, so an interrupted run leaves no echo process behind. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	metrics_pin(cpu);
}

static int partner_reap(struct metric_ctx *c)
{
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
	}
	c->pid = 0;
	return 0;
}

/* Cost of one 1-byte write + read on a pipe in one process: what lat_ctx subtracts to leave the
 * switch itself. */
static double pipe_overhead_ns(void)
{
	int p[2];
	char b = 0;
	double best = 1e18;

	if (pipe(p) < 0)
		return 0;
	/* The best of up to 15 batches, within ~10 ms once 3 are in (system calls can be slow). */
	uint64_t start = clock_now_ns();
	for (int rep = 0; rep < 15 && (rep < 3 || clock_now_ns() - start < 10000000u); rep++) {
		uint64_t t0 = clock_now_ns();
		for (int i = 0; i < 2000; i++)
			if (write(p[1], &b, 1) != 1 || read(p[0], &b, 1) != 1)
				break;
		double v = (double)(clock_now_ns() - t0) / 2000;
		if (v < best)
			best = v;
	}
	close(p[0]);
	close(p[1]);
	return best;
}

static int setup_pipe_pair(struct metric_ctx *c, bool cross)
{
	int to[2], from[2];

	if (pipe(to) < 0)
		return -errno;
	if (pipe(from) < 0) {
		close(to[0]), close(to[1]);
		return -errno;
	}
	metrics_pin(c->cpu_a);
	c->pid = fork();
	if (c->pid < 0)
		return -errno;
	if (c->pid == 0) {
		char b;
		partner_child_init(cross ? c->cpu_b : c->cpu_a);
		close(to[1]), close(from[0]);
		while (read(to[0], &b, 1) == 1)
			if (write(from[1], &b, 1) != 1)
				break;
		_exit(0);
	}
	close(to[0]), close(from[1]);
	c->fd_w = to[1];
	c->fd_r = from[0];
	return 0;
}

static int setup_pipe_pinned(struct metric_ctx *c) { return setup_pipe_pair(c, false); }
static int setup_pipe_cross(struct metric_ctx *c) { return setup_pipe_pair(c, true); }

static int setup_ctx_pinned(struct metric_ctx *c)
{
	metrics_pin(c->cpu_a);
	c->sub_ns = pipe_overhead_ns();
	return setup_pipe_pair(c, false);
}

static int setup_ctx_cross(struct metric_ctx *c)
{
	metrics_pin(c->cpu_a);
	c->sub_ns = pipe_overhead_ns();
	return setup_pipe_pair(c, true);
}

static uint64_t run_pipe_rtt(struct metric_ctx *c, uint64_t n)
{
	char b = 'x';
	uint64_t t0 = clock_now_ns();
	for (uint64_t i = 0; i < n; i++)
		if (write(c->fd_w, &b, 1) != 1 || read(c->fd_r, &b, 1) != 1)
			return FAIL;
	return clock_now_ns() - t0;
}

static void teardown_partner(struct metric_ctx *c)
{
	close(c->fd_w);
	close(c->fd_r);
	partner_reap(c);
}

static int tcp_connect_pair(struct metric_ctx *c, bool cross, bool sink)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	int one = 1;
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (ls < 0)
		return -errno;
	/* accept() gives up after 10 s: a partner that failed to connect must not hang the run. */
	struct timeval tmo = { 10, 0 };
	setsockopt(ls, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof tmo);
	if (bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 1) < 0 ||
	    getsockname(ls, (struct sockaddr *)&a, &al) < 0) {
		int e = errno;
		close(ls);
		return -e;
	}
	metrics_pin(c->cpu_a);
	c->pid = fork();
	if (c->pid < 0) {
		close(ls);
		return -errno;
	}
	if (c->pid == 0) {
		partner_child_init(cross ? c->cpu_b : c->cpu_a);
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0)
			_exit(1);
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (!sink) {
			char b;
			while (read(s, &b, 1) == 1)
				if (write(s, &b, 1) != 1)
					break;
		} else {
			/* Sink: an 8-byte count, that many bytes, then one byte of acknowledgement, so the
			 * sender's clock stops when the data arrived, not when it was buffered. */
			static char buf[1 << 16];
			uint64_t want;
			while (read(s, &want, sizeof want) == sizeof want) {
				while (want > 0) {
					ssize_t r = read(s, buf, want < sizeof buf ? want : sizeof buf);
					if (r <= 0)
						_exit(0);
					want -= (uint64_t)r;
				}
				if (write(s, "", 1) != 1)
					break;
			}
		}
		_exit(0);
	}
	c->sock = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	int e = errno;
	close(ls);
	if (c->sock < 0) {
		partner_reap(c);
		return -e;
	}
	setsockopt(c->sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return 0;
}

static int setup_tcp_rtt_pinned(struct metric_ctx *c) { return tcp_connect_pair(c, false, false); }
static int setup_tcp_rtt_cross(struct metric_ctx *c) { return tcp_connect_pair(c, true, false); }

static int setup_tcp_stream(struct metric_ctx *c, bool cross)
{
	c->buf_size = 1 << 16;
	c->buf = calloc(1, c->buf_size);
	if (!c->buf)
		return -ENOMEM;
	return tcp_connect_pair(c, cross, true);
}

static int setup_tcp_stream_pinned(struct metric_ctx *c) { return setup_tcp_stream(c, false); }
static int setup_tcp_stream_cross(struct metric_ctx *c) { return setup_tcp_stream(c, true); }

static uint64_t run_tcp_rtt(struct metric_ctx *c, uint64_t n)
{
	char b = 'x';
	uint64_t t0 = clock_now_ns();
	for (uint64_t i = 0; i < n; i++)
		if (write(c->sock, &b, 1) != 1 || read(c->sock, &b, 1) != 1)
			return FAIL;
	return clock_now_ns() - t0;
}

static uint64_t run_tcp_stream(struct metric_ctx *c, uint64_t n)
{
	uint64_t want = n * c->buf_size;
	char ack;
	uint64_t t0 = clock_now_ns();
	if (write(c->sock, &want, sizeof want) != sizeof want)
		return FAIL;
	for (uint64_t i = 0; i < n; i++) {
		size_t off = 0;
		while (off < c->buf_size) {
			ssize_t w = write(c->sock, c->buf + off, c->buf_size - off);
			if (w <= 0)
				return FAIL;
			off += (size_t)w;
		}
	}
	if (read(c->sock, &ack, 1) != 1)
		return FAIL;
	return clock_now_ns() - t0;
}

static void teardown_tcp(struct metric_ctx *c)
{
	close(c->sock);
	partner_reap(c);
	free(c->buf);
	c->buf = NULL;
}

/* ---- timer ---- */

enum { SLEEP_NS = 50000 };

static int setup_nanosleep(struct metric_ctx *c)
{
	c->sub_ns = SLEEP_NS; /* the value is the overshoot: what was asked does not count */
	return 0;
}

static uint64_t run_nanosleep(struct metric_ctx *c, uint64_t n)
{
	struct timespec ts = { 0, SLEEP_NS };
	(void)c;
	uint64_t t0 = clock_now_ns();
	for (uint64_t i = 0; i < n; i++)
		nanosleep(&ts, NULL);
	return clock_now_ns() - t0;
}

/* ---- disk ---- */

/* `large`: the 1 MiB metrics, whose requests the buffer's pages can split (diskfile_buffer). */
static int setup_disk_io(struct metric_ctx *c, bool large)
{
	if (!c->disk)
		return -ENOENT;
	enum diskfile_page page;
	c->buf = diskfile_buffer(&page);
	if (!c->buf)
		return -ENOMEM;
	/* Incompressible data, as fio writes by default: here a buffer of one repeated byte wrote 20%
	 * faster than random data (the host's storage compresses or compares what it is given). */
	diskfile_pattern(c->buf, DISKFILE_BLOCK, c->rng);
	c->pos = 0;
	if (!c->disk->direct)
		snprintf(c->note, sizeof c->note, "buffered I/O: the filesystem refused O_DIRECT");
	else if (large && page != DISKFILE_PAGE_HUGE)
		snprintf(c->note, sizeof c->note, "%s", page == DISKFILE_PAGE_SMALL
			 ? "buffer in 4 KiB pages (no huge page): the kernel may split each 1 MiB request"
			 : "buffer perhaps in 4 KiB pages (kernel too old to confirm a huge page)");
	return 0;
}

static int setup_disk(struct metric_ctx *c) { return setup_disk_io(c, false); }
static int setup_disk_large(struct metric_ctx *c) { return setup_disk_io(c, true); }

static uint64_t disk_next_rand(struct metric_ctx *c)
{
	c->rng ^= c->rng << 13, c->rng ^= c->rng >> 7, c->rng ^= c->rng << 17;
	return (c->rng % (c->disk->size / 4096)) * 4096;
}

static uint64_t disk_sync_buffered(struct metric_ctx *c, uint64_t t0)
{
	/* Buffered writes land in the page cache; only a sync makes them disk writes. */
	if (!c->disk->direct && fdatasync(c->disk->fd) < 0)
		return FAIL;
	return clock_now_ns() - t0;
}

/* Every write carries data the disk has not seen: this host's storage took the same 1 MiB again
 * 25% faster than changed data (fio scrambles its buffer for the same reason). One word in each
 * 512-byte sector, so no block or sector of any size can be recognised as a repeat. */
static void disk_stamp(struct metric_ctx *c, size_t len)
{
	uint64_t s = ++c->stamp * 0x9e3779b97f4a7c15ull;
	for (size_t off = 0; off < len; off += 512)
		memcpy(c->buf + off, &(uint64_t){ s ^ off }, sizeof s);
}

static uint64_t run_disk_randread(struct metric_ctx *c, uint64_t n)
{
	uint64_t t0 = clock_now_ns();
	for (uint64_t i = 0; i < n; i++)
		if (pread(c->disk->fd, c->buf, 4096, (off_t)disk_next_rand(c)) != 4096)
			return FAIL;
	return clock_now_ns() - t0;
}

static uint64_t run_disk_randwrite(struct metric_ctx *c, uint64_t n)
{
	uint64_t t0 = clock_now_ns();
	for (uint64_t i = 0; i < n; i++) {
		disk_stamp(c, 4096);
		if (pwrite(c->disk->fd, c->buf, 4096, (off_t)disk_next_rand(c)) != 4096)
			return FAIL;
	}
	return disk_sync_buffered(c, t0);
}

static uint64_t run_disk_seq(struct metric_ctx *c, uint64_t n, bool write)
{
	uint64_t t0 = clock_now_ns();
	for (uint64_t i = 0; i < n; i++) {
		if (c->pos + DISKFILE_BLOCK > c->disk->size)
			c->pos = 0;
		if (write)
			disk_stamp(c, DISKFILE_BLOCK);
		ssize_t r = write ? pwrite(c->disk->fd, c->buf, DISKFILE_BLOCK, (off_t)c->pos)
				  : pread(c->disk->fd, c->buf, DISKFILE_BLOCK, (off_t)c->pos);
		if (r != DISKFILE_BLOCK)
			return FAIL;
		c->pos += DISKFILE_BLOCK;
	}
	return write ? disk_sync_buffered(c, t0) : clock_now_ns() - t0;
}

static uint64_t run_disk_seqread(struct metric_ctx *c, uint64_t n) { return run_disk_seq(c, n, false); }
static uint64_t run_disk_seqwrite(struct metric_ctx *c, uint64_t n) { return run_disk_seq(c, n, true); }

static void teardown_disk(struct metric_ctx *c)
{
	diskfile_buffer_free(c->buf);
	c->buf = NULL;
}

/* ---- the table ---- */

#define PRIV BENCH_CELL_PRIVILEGED_PAGETABLES
#define TIMERS BENCH_CELL_INTERRUPTS_TIMERS
#define DISKNET BENCH_CELL_DISK_NETWORK
#define CONTROL BENCH_CELL_CONTROL

/* How far one machine's per-run medians wander between runs minutes apart, no change made: ten
 * default-suite runs over six minutes on a quiet 2-vCPU guest (Firecracker, no steal), the 90th
 * percentile of the 45 pairwise differences. The vDSO clocks and the integer loop 0.8-2.9%; the
 * pinned CPU paths 4-7%, up to 14-23% for system call, page fault and pinned pipe when a whole run
 * was slow (lmbench's lat_syscall, run beside them, moved by as much); memory bandwidth, disk,
 * TCP throughput and every cross-CPU wake-up, the resources the host shares, 15-40%. Within one run
 * their samples agree far more closely, so a rank test alone called 6 to 23 of 24 metrics changed
 * between two runs of the same machine: compare asks a change to exceed this as well. */
#define DRIFT_STEADY 5
#define DRIFT_PATH 10
#define DRIFT_SHARED 25

const struct metric_def metrics_table[] = {
	{ .name = "syscall", .unit = "ns", .cell = PRIV, .drift_pct = DRIFT_PATH, .kind = METRIC_TIME, .unit_ns = 1,
	  .subtract_loop = true, .on_cpu = true, .run = run_syscall,
	  .describe = "null system call: syscall(SYS_getppid), no libc caching" },
	{ .name = "clock_gettime", .unit = "ns", .cell = TIMERS, .drift_pct = DRIFT_STEADY, .kind = METRIC_TIME, .unit_ns = 1,
	  .subtract_loop = true, .on_cpu = true, .run = run_clock_gettime,
	  .describe = "clock_gettime(CLOCK_MONOTONIC) through the vDSO; a system call when the clocksource cannot be read in user space" },
	{ .name = "gettimeofday", .unit = "ns", .cell = TIMERS, .drift_pct = DRIFT_STEADY, .kind = METRIC_TIME, .unit_ns = 1,
	  .subtract_loop = true, .on_cpu = true, .run = run_gettimeofday,
	  .describe = "gettimeofday() through the vDSO" },
	{ .name = "page_fault", .unit = "ns", .cell = PRIV, .drift_pct = DRIFT_PATH, .kind = METRIC_TIME, .unit_ns = 1,
	  .on_cpu = true, .max_iters = 1u << 16, .mem_per_iter = 4096, .run = run_page_fault,
	  .describe = "first touch of anonymous memory, per 4 KiB page (huge pages off)" },
	{ .name = "mmap_munmap", .unit = "us", .cell = PRIV, .drift_pct = DRIFT_PATH, .kind = METRIC_TIME, .unit_ns = 1000,
	  .on_cpu = true, .setup = setup_mmap_hole, .run = run_mmap_munmap,
	  .describe = "mmap 1 MiB anonymous alone in its page table, touch one page, munmap" },
	{ .name = "file_page_fault", .unit = "ns", .cell = PRIV, .drift_pct = DRIFT_PATH, .kind = METRIC_TIME, .unit_ns = 1,
	  .ops_per_iter = FILE_MAP_PAGES, .on_cpu = true, .disk = true, .setup = setup_file_map,
	  .run = run_file_page_fault, .teardown = teardown_bufs,
	  .describe = "first read of each cached page of a fresh 16 MiB file mapping, random order, unmap included, per page (as lat_pagefault)" },
	{ .name = "file_mmap", .unit = "us", .cell = PRIV, .drift_pct = DRIFT_PATH, .kind = METRIC_TIME, .unit_ns = 1000,
	  .disk = true, .setup = setup_file_map, .run = run_file_mmap, .teardown = teardown_bufs,
	  .describe = "mmap 16 MiB of a file shared, write every 16 KiB of its first tenth, munmap (as lat_mmap)" },
	{ .name = "fork_exit", .unit = "us", .cell = PRIV, .drift_pct = DRIFT_PATH, .kind = METRIC_TIME, .unit_ns = 1000,
	  .setup = setup_forker, .run = run_fork_exit, .teardown = teardown_partner,
	  .describe = "fork of a small fixed parent (virtmode-bench-forker), child exit(0), waitpid" },
	{ .name = "fork_exec", .unit = "us", .cell = PRIV, .drift_pct = DRIFT_PATH, .kind = METRIC_TIME, .unit_ns = 1000,
	  .setup = setup_fork_exec, .run = run_fork_exec, .teardown = teardown_partner,
	  .describe = "the same fork, execve of a tiny static helper, waitpid" },
	{ .name = "ctx_switch_pinned", .unit = "ns", .cell = PRIV, .drift_pct = DRIFT_PATH, .kind = METRIC_TIME, .unit_ns = 1,
	  .ops_per_iter = 2, .setup = setup_ctx_pinned, .run = run_pipe_rtt,
	  .teardown = teardown_partner,
	  .describe = "context switch between two processes on one CPU (pipe token, pipe cost subtracted, as lat_ctx)" },
	{ .name = "ctx_switch_cross", .unit = "ns", .cell = TIMERS, .drift_pct = DRIFT_SHARED, .kind = METRIC_TIME, .unit_ns = 1,
	  .ops_per_iter = 2, .cross_cpu = true, .setup = setup_ctx_cross, .run = run_pipe_rtt,
	  .teardown = teardown_partner,
	  .describe = "the same with the two processes on two CPUs: a cross-CPU wake-up (IPI)" },
	{ .name = "pipe_rtt_pinned", .unit = "us", .cell = PRIV, .drift_pct = DRIFT_PATH, .kind = METRIC_TIME, .unit_ns = 1000,
	  .setup = setup_pipe_pinned, .run = run_pipe_rtt, .teardown = teardown_partner,
	  .describe = "pipe round trip between two processes on one CPU (as perf bench sched pipe)" },
	{ .name = "pipe_rtt_cross", .unit = "us", .cell = TIMERS, .drift_pct = DRIFT_SHARED, .kind = METRIC_TIME, .unit_ns = 1000,
	  .cross_cpu = true, .setup = setup_pipe_cross, .run = run_pipe_rtt,
	  .teardown = teardown_partner,
	  .describe = "pipe round trip between two processes on two CPUs" },
	{ .name = "mem_copy", .unit = "MB/s", .cell = CONTROL, .drift_pct = DRIFT_SHARED, .kind = METRIC_BYTES_RATE,
	  .on_cpu = true, .setup = setup_mem_copy, .run = run_mem_copy, .teardown = teardown_bufs,
	  .describe = "memcpy between two buffers larger than any cache (control)" },
	{ .name = "int_loop", .unit = "ns", .cell = CONTROL, .drift_pct = DRIFT_STEADY, .kind = METRIC_TIME, .unit_ns = 1,
	  .subtract_loop = true, .on_cpu = true, .run = run_int_loop,
	  .describe = "100 dependent xorshift steps: pure CPU, the control that no mode should move" },
	{ .name = "nanosleep", .unit = "us", .cell = TIMERS, .drift_pct = DRIFT_PATH, .kind = METRIC_TIME, .unit_ns = 1000,
	  .max_iters = 100000, .setup = setup_nanosleep, .run = run_nanosleep,
	  .describe = "overshoot of nanosleep(50 us): timer interrupt delivery" },
	{ .name = "disk_randread", .unit = "IOPS", .cell = DISKNET, .drift_pct = DRIFT_SHARED, .kind = METRIC_OPS_RATE,
	  .disk = true, .setup = setup_disk, .run = run_disk_randread, .teardown = teardown_disk,
	  .describe = "4 KiB random reads, O_DIRECT, queue depth 1" },
	{ .name = "disk_randwrite", .unit = "IOPS", .cell = DISKNET, .drift_pct = DRIFT_SHARED, .kind = METRIC_OPS_RATE,
	  .disk = true, .setup = setup_disk, .run = run_disk_randwrite, .teardown = teardown_disk,
	  .describe = "4 KiB random writes, O_DIRECT, queue depth 1" },
	{ .name = "disk_seqread", .unit = "MB/s", .cell = DISKNET, .drift_pct = DRIFT_SHARED, .kind = METRIC_BYTES_RATE,
	  .bytes_per_op = DISKFILE_BLOCK, .disk = true, .setup = setup_disk_large, .run = run_disk_seqread,
	  .teardown = teardown_disk,
	  .describe = "1 MiB sequential reads, O_DIRECT" },
	{ .name = "disk_seqwrite", .unit = "MB/s", .cell = DISKNET, .drift_pct = DRIFT_SHARED, .kind = METRIC_BYTES_RATE,
	  .bytes_per_op = DISKFILE_BLOCK, .disk = true, .setup = setup_disk_large, .run = run_disk_seqwrite,
	  .teardown = teardown_disk,
	  .describe = "1 MiB sequential writes, O_DIRECT" },
	{ .name = "tcp_rtt_pinned", .unit = "us", .cell = PRIV, .drift_pct = DRIFT_PATH, .kind = METRIC_TIME, .unit_ns = 1000,
	  .setup = setup_tcp_rtt_pinned, .run = run_tcp_rtt, .teardown = teardown_tcp,
	  .describe = "loopback TCP 1-byte round trip, both ends on one CPU" },
	{ .name = "tcp_rtt_cross", .unit = "us", .cell = TIMERS, .drift_pct = DRIFT_SHARED, .kind = METRIC_TIME, .unit_ns = 1000,
	  .cross_cpu = true, .setup = setup_tcp_rtt_cross, .run = run_tcp_rtt, .teardown = teardown_tcp,
	  .describe = "loopback TCP 1-byte round trip, ends on two CPUs" },
	{ .name = "tcp_stream_pinned", .unit = "MB/s", .cell = PRIV, .drift_pct = DRIFT_SHARED, .kind = METRIC_BYTES_RATE,
	  .bytes_per_op = 1 << 16, .setup = setup_tcp_stream_pinned, .run = run_tcp_stream,
	  .teardown = teardown_tcp,
	  .describe = "loopback TCP throughput, 64 KiB writes, both ends on one CPU" },
	{ .name = "tcp_stream_cross", .unit = "MB/s", .cell = TIMERS, .drift_pct = DRIFT_SHARED, .kind = METRIC_BYTES_RATE,
	  .bytes_per_op = 1 << 16, .cross_cpu = true, .setup = setup_tcp_stream_cross,
	  .run = run_tcp_stream, .teardown = teardown_tcp,
	  .describe = "loopback TCP throughput, ends on two CPUs" },
};
const size_t metrics_count = sizeof metrics_table / sizeof metrics_table[0];

double metrics_drift_pct(const char *name)
{
	for (size_t i = 0; i < metrics_count; i++)
		if (!strcmp(metrics_table[i].name, name))
			return metrics_table[i].drift_pct;
	return DRIFT_SHARED; /* a metric this version does not know: the widest, not none */
}

double metrics_value(const struct metric_def *m, const struct metric_ctx *c, uint64_t elapsed_ns,
		     uint64_t n, double timer_ns, double loop_ns)
{
	double ns = ((double)elapsed_ns - timer_ns) / (double)n;

	if (m->subtract_loop)
		ns -= loop_ns;
	ns = ns / (m->ops_per_iter ? m->ops_per_iter : 1) - c->sub_ns;
	if (ns <= 0)
		ns = 1e-3; /* below the timer's resolution; a positive floor keeps ratios defined */
	switch (m->kind) {
	case METRIC_TIME:
		return ns / m->unit_ns;
	case METRIC_BYTES_RATE:
		return (m->bytes_per_op ? m->bytes_per_op : (double)c->buf_size) / ns * 1e3;
	case METRIC_OPS_RATE:
		return 1e9 / ns;
	}
	return 0;
}
