#pragma once
/* Reading an initramfs: a sequence of cpio "newc" archives, each uncompressed or compressed (gzip, xz,
 * lzma, zstd, lz4), the way the kernel's init/initramfs.c unpacks it — typically an uncompressed early
 * microcode archive followed by the compressed main one. Only names are kept: which kernel modules the
 * initramfs carries, and the modules.builtin list when it has one. */
#include <stdbool.h>
#include <stddef.h>

struct initramfs_info {
	char compression[32];  /* of the last (main) archive: "none", "gzip", "xz", "lzma", "zstd", "lz4" */
	size_t n_files;        /* cpio entries, all archives */
	size_t n_archives;
	char **modules;        /* module names with '-' as '_' ("xen_blkfront"), from lib/modules/.../ *.ko* */
	size_t n_modules;
	char **builtin;        /* names from modules.builtin inside the initramfs */
	size_t n_builtin;
};

/* Parses buf. max_unpacked caps the decompressed size (a compressed bomb stops there with -EFBIG).
 * Returns 0, or a negative errno with err filled ("truncated cpio header at byte 1234", ...). */
int initramfs_parse(const unsigned char *buf, size_t len, size_t max_unpacked, struct initramfs_info *info,
		    char *err, size_t errlen);
void initramfs_info_free(struct initramfs_info *info);

/* Normalises a module name or path ("kernel/drivers/block/xen-blkfront.ko.xz") to "xen_blkfront";
 * returns a malloc'd string, NULL when it does not look like a module. */
char *initramfs_module_name(const char *path, size_t n);

/* Whether name (any spelling) is among the modules or builtins. */
bool initramfs_has_module(const struct initramfs_info *info, const char *name);

/* Adds the module names of a modules.builtin text (one path a line) to list. Returns 0 or -ENOMEM. */
int initramfs_add_builtin(char ***list, size_t *n, const char *text, size_t len);
