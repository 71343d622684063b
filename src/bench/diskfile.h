#pragma once
/* The disk metrics' test file: created in --dir (or a temp dir under "."), sized from free space
 * and capped, removed on every exit path including SIGINT, SIGTERM and SIGHUP. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct diskfile {
	int fd;
	uint64_t size;
	bool direct;             /* O_DIRECT accepted; false = buffered fallback */
};

/* Creates and fills the file. On failure returns a negative errno, removes whatever it created and
 * sets *what (the path) and *msg (malloc'd) for the error line. */
int diskfile_create(const char *dir, uint64_t cap, struct diskfile *df, char **what, char **msg);
void diskfile_remove(struct diskfile *df);
/* Fills buf (len a multiple of 8) with xorshift output from seed: data no disk can compress. */
void diskfile_pattern(void *buf, size_t len, uint64_t seed);

/* The I/O buffer of DISKFILE_BLOCK bytes, 2 MiB-aligned, in one transparent huge page where the
 * kernel gives one: *page says which. NULL when no memory. Freed with diskfile_buffer_free. */
enum diskfile_page { DISKFILE_PAGE_HUGE, DISKFILE_PAGE_SMALL, DISKFILE_PAGE_UNKNOWN };
void *diskfile_buffer(enum diskfile_page *page);
void diskfile_buffer_free(void *buf);

/* Pure sizing rule, for tests: a quarter of the free space, whole MiB, capped; 0 = too little. */
uint64_t diskfile_size_for(uint64_t free_bytes, uint64_t cap);
#define DISKFILE_MIN_SIZE (4u << 20)
#define DISKFILE_BLOCK (1u << 20)
