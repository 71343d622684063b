#pragma once
/* The one reader of evidence: every file detect and collect look at is read through here, relative to a
 * root. Live (root NULL or "/") the kernel resolves paths; under a snapshot root we resolve them ourselves so
 * that no symlink (or flattened link file, see rootfs.c) can lead outside the root. */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct rootfs;

/* Opens ROOT (NULL or "/" = live). Returns 0 or a negative errno. */
int rootfs_open(const char *root, struct rootfs **out);
void rootfs_close(struct rootfs *r);
bool rootfs_is_live(const struct rootfs *r);
const char *rootfs_root(const struct rootfs *r); /* "/" when live */

/* A file's contents, NUL-terminated, at most CAP bytes; *truncated says there was more. */
struct rootfs_data {
	char *buf;
	size_t len;
	bool truncated;
	off_t size; /* st_size as the filesystem reported it (0 for most /proc and /sys files) */
};
/* PATH is root-relative ("proc/cpuinfo"). Returns 0 or a negative errno: -ENOENT absent, -EACCES unreadable,
 * -ELOOP a symlink loop, -EINVAL not a regular file (FIFO, socket,
 * device, directory). A link that points above the root stays inside it (".." stops at the root, an absolute
 * target starts at the root), as with openat2(RESOLVE_IN_ROOT). Free with rootfs_data_free(). */
int rootfs_read(const struct rootfs *r, const char *path, size_t cap, struct rootfs_data *out);
void rootfs_data_free(struct rootfs_data *d);

/* Reads a small attribute file into BUF (at most SIZE-1 bytes), trailing whitespace removed. */
int rootfs_read_line(const struct rootfs *r, const char *path, char *buf, size_t size);

/* The target text of the link at PATH (the final component is not followed). */
int rootfs_readlink(const struct rootfs *r, const char *path, char *buf, size_t size);
/* The last component of the link target at PATH: "vif" for a driver link to ../../bus/xen/drivers/vif. */
int rootfs_link_name(const struct rootfs *r, const char *path, char *buf, size_t size);

/* PATH with every link resolved, root-relative without a leading slash ("sys/devices/vif-0/net/eth0"). */
int rootfs_realpath(const struct rootfs *r, const char *path, char *buf, size_t size);

/* 0 when PATH exists (links followed), else a negative errno. */
int rootfs_exists(const struct rootfs *r, const char *path);

/* Names in directory PATH (links followed), sorted, without "." and "..": at most MAX of them, each
 * at most 63 characters (longer ones are skipped). Returns the count or a negative errno. */
int rootfs_list(const struct rootfs *r, const char *path, char (*names)[64], int max);

/* What PATH is, the final component not followed. */
enum rootfs_kind { ROOTFS_FILE, ROOTFS_DIR, ROOTFS_LINK, ROOTFS_OTHER };
int rootfs_kind(const struct rootfs *r, const char *path); /* an enum rootfs_kind or a negative errno */

/* Tracing, for collect: every path any call above was asked about, in order, once each. */
enum rootfs_op { ROOTFS_OP_READ, ROOTFS_OP_READLINK, ROOTFS_OP_REALPATH, ROOTFS_OP_EXISTS, ROOTFS_OP_LIST };
struct rootfs_traced {
	enum rootfs_op op;
	char path[256];
};
void rootfs_trace_start(struct rootfs *r);
/* The traced paths (valid until rootfs_close); returns the count. */
int rootfs_traced(const struct rootfs *r, const struct rootfs_traced **out);

/* A snapshot root may hold ".errors.txt": lines "PATH: ERROR TEXT" for files that existed on the machine
 * but could not be read (as collect and the captures write it). Reading such a PATH, absent from the
 * snapshot, gives that error instead of -ENOENT, so a snapshot reports what the live run reported. */
