/* The disk metrics' I/O buffer and writes, on a real file in a temporary directory: the buffer is
 * where diskfile_buffer says it is (the kernel's smaps is the witness), and no write hands the disk
 * data it has seen before. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/calibrate.h"
#include "bench/diskfile.h"
#include "bench/metrics.h"
#include "tap.h"

/* AnonHugePages of the mapping that starts at addr, in KiB; -1 when smaps has no such mapping. */
static long smaps_huge_kib(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	long kib = -1;
	bool in = false;

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = lo == (uintptr_t)addr;
		else if (in && sscanf(line, "AnonHugePages: %ld kB", &kib) == 1)
			break;
	}
	fclose(f);
	return kib;
}

static void test_buffer(void)
{
	enum diskfile_page page = DISKFILE_PAGE_UNKNOWN;
	char *buf = diskfile_buffer(&page);

	TAP_OK(buf && ((uintptr_t)buf & ((2u << 20) - 1)) == 0, "the buffer is 2 MiB-aligned");
	if (!buf)
		return;
	memset(buf, 0x5a, DISKFILE_BLOCK);
	long kib = smaps_huge_kib(buf);
	printf("# diskfile_buffer says %s; smaps says AnonHugePages %ld kB\n",
	       page == DISKFILE_PAGE_HUGE ? "huge" : page == DISKFILE_PAGE_SMALL ? "small" : "unknown", kib);
	if (page == DISKFILE_PAGE_HUGE)
		TAP_OK(kib == 2048, "a buffer said to be huge is one 2 MiB page in smaps");
	else if (page == DISKFILE_PAGE_SMALL)
		TAP_OK(kib == 0, "a buffer said to be small has no huge page in smaps");
	else
		TAP_OK(kib >= 0, "the buffer is a mapping of its own in smaps");
	diskfile_buffer_free(buf);
}

static const struct metric_def *metric(const char *name)
{
	for (size_t i = 0; i < metrics_count; i++)
		if (!strcmp(metrics_table[i].name, name))
			return &metrics_table[i];
	return NULL;
}

/* Sectors (512 bytes) at the same index in two blocks that hold the same bytes. */
static size_t same_sectors(const char *x, const char *y, size_t len)
{
	size_t same = 0;

	for (size_t off = 0; off < len; off += 512)
		same += !memcmp(x + off, y + off, 512);
	return same;
}

static void test_writes_are_new(const char *dir)
{
	const struct metric_def *m = metric("disk_seqwrite");
	struct diskfile df;
	char *what = NULL, *msg = NULL;

	int r = diskfile_create(dir, 4u << 20, &df, &what, &msg);
	TAP_OK(m && r == 0, "a 4 MiB disk file in %s (%s)", dir, msg ? msg : "ok");
	if (!m || r) {
		free(what), free(msg);
		return;
	}
	struct metric_ctx c = { .disk = &df, .rng = 12345 };
	TAP_OK(m->setup(&c) == 0, "disk_seqwrite sets up");
	TAP_OK(m->run(&c, 3) != CALIBRATE_FAILED, "three 1 MiB writes");
	m->teardown(&c);

	enum diskfile_page page;
	char *got = diskfile_buffer(&page);
	char *blocks[3] = { 0 };
	bool read_ok = got != NULL;
	for (int i = 0; i < 3 && read_ok; i++) {
		blocks[i] = malloc(DISKFILE_BLOCK);
		read_ok = blocks[i] && pread(df.fd, got, DISKFILE_BLOCK, (off_t)i * DISKFILE_BLOCK) == DISKFILE_BLOCK;
		if (read_ok)
			memcpy(blocks[i], got, DISKFILE_BLOCK);
	}
	TAP_OK(read_ok, "the three blocks read back");
	if (read_ok) {
		size_t s01 = same_sectors(blocks[0], blocks[1], DISKFILE_BLOCK);
		size_t s12 = same_sectors(blocks[1], blocks[2], DISKFILE_BLOCK);
		TAP_OK(s01 == 0 && s12 == 0, "no sector repeats from one write to the next (%zu and %zu the same)", s01, s12);
	}
	for (int i = 0; i < 3; i++)
		free(blocks[i]);
	diskfile_buffer_free(got);
	diskfile_remove(&df);
}

int main(void)
{
	char dir[] = "/tmp/virtmode-test-disk.XXXXXX";

	test_buffer();
	if (mkdtemp(dir)) {
		test_writes_are_new(dir);
		TAP_OK(rmdir(dir) == 0, "nothing left in the directory");
	} else {
		TAP_OK(0, "a temporary directory");
	}
	return tap_done();
}
