#pragma once
/* Reading a guest disk image, read-only: where its ext2/3/4 filesystem is, what it is, and files in it.
 *
 * An image is a raw file holding either a bare filesystem (a PV root volume, as Xen and EC2 PV guests
 * have them) or a partitioned disk (msdos or GPT) whose first Linux partition holds the filesystem.
 * The filesystem is opened through libext2fs at its byte offset ("FILE?offset=N", unix_io_manager), never
 * for writing: nothing here can modify the input. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ext2fs/ext2fs.h>

enum image_layout {
	IMAGE_LAYOUT_BARE,  /* the file is the filesystem */
	IMAGE_LAYOUT_MSDOS, /* msdos (MBR) partition table */
	IMAGE_LAYOUT_GPT,   /* GUID partition table (protective MBR + header at LBA 1) */
};

struct image {
	char *path;                /* as given to image_open() */
	enum image_layout layout;
	int partition;             /* 1-based partition number holding the fs; 0 when bare */
	uint64_t file_size;        /* bytes in the image file */
	uint64_t fs_offset;        /* byte offset of the filesystem in the file */
	ext2_filsys fs;            /* opened read-only (EXT2_FLAG_64BITS); bitmaps not loaded */

	/* Filesystem facts, copied from the superblock so callers need not know its layout. */
	const char *fs_type;       /* "ext2", "ext3" (journal, no ext4 features) or "ext4" */
	unsigned block_size;       /* bytes */
	uint64_t blocks_count;
	uint64_t free_blocks;
	uint64_t used_blocks;      /* blocks_count - free_blocks */
	uint64_t fs_bytes;         /* blocks_count * block_size */
	char label[EXT2_LABEL_LEN + 1]; /* "" when unlabelled */
	char uuid[37];             /* lower-case 8-4-4-4-12 */
	uint32_t feature_compat, feature_incompat, feature_ro_compat;
	bool needs_recovery;       /* journal holds transactions not replayed (not cleanly unmounted) */
	bool has_errors;           /* the kernel marked the fs as having errors (s_state) */
};

/* Why image_open() failed: errno-style code plus one line saying what was wrong (without the file name;
 * print it with output_error(img_path, "%s", err.message)). */
struct image_error {
	int code;          /* positive errno: ENOENT, EACCES, EINVAL (not ext), EUCLEAN (corrupt), EIO ... */
	char message[256]; /* e.g. "not an ext2/3/4 filesystem or partitioned disk", "truncated image: ..." */
};

/* Opens PATH read-only. Returns 0 and *out, or a negative errno with *err filled in. */
int image_open(const char *path, struct image **out, struct image_error *err);
void image_close(struct image *img);

/* A geometry libext2fs opens but no mke2fs makes, and on which libext2fs's own bitmap reader writes
 * past its buffer: returns -EUCLEAN with err filled, else 0. image_open() applies it; exported for
 * the fuzzers, which open filesystems themselves. */
int image_check_geometry(ext2_filsys fs, struct image_error *err);

/* Offset-less helper for tests and fuzzers: which layout and fs offset PATH has, without libext2fs.
 * Returns 0, or negative errno with err filled. */
int image_probe_layout(const char *path, enum image_layout *layout, int *partition, uint64_t *fs_offset,
		       struct image_error *err);

/* The ext feature names set in the superblock, space-separated, in e2fsprogs' spelling ("has_journal
 * ext_attr ... extent 64bit flex_bg metadata_csum"). Returns a malloc'd string. */
char *image_feature_string(const struct image *img);

/* Resolves PATH (absolute, inside the fs) following symlinks in every component, including the last,
 * the way the guest's kernel would, with the guest's root as "/". Returns 0 and the inode, and, when
 * resolved is non-NULL, the final path (malloc'd; e.g. "/boot/grub/grub.conf" for "/boot/grub/menu.lst").
 * -ENOENT, -ENOTDIR, -ELOOP (more than 40 links), -EIO. */
int image_resolve(const struct image *img, const char *path, ext2_ino_t *ino, char **resolved);

/* Reads the regular file at PATH (symlinks followed) into a malloc'd NUL-terminated buffer.
 * -EFBIG when it is larger than max bytes, -EISDIR/-EINVAL when not a regular file, -ENOENT. */
int image_read_file(const struct image *img, const char *path, size_t max, char **buf, size_t *len);

/* A symlink's target as stored (not resolved). -EINVAL when PATH is not a symlink. */
int image_readlink(const struct image *img, const char *path, char **target);

enum image_ftype { IMAGE_FT_OTHER, IMAGE_FT_FILE, IMAGE_FT_DIR, IMAGE_FT_SYMLINK };

struct image_dirent {
	char *name;
	enum image_ftype type;
	ext2_ino_t ino;
};

/* Lists the directory at PATH (symlinks followed), without "." and "..", sorted by name.
 * Free with image_dirents_free(). -ENOENT, -ENOTDIR. */
int image_list_dir(const struct image *img, const char *path, struct image_dirent **ents, size_t *n);
void image_dirents_free(struct image_dirent *ents, size_t n);

/* Whether PATH exists (no symlink following on the last component) and of which type. */
int image_lstat(const struct image *img, const char *path, enum image_ftype *type);
