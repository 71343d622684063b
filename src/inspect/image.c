/* Opening a guest disk image read-only and reading files from its filesystem through libext2fs. */
#include "inspect/image.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <e2p/e2p.h>
#include <et/com_err.h>

#define SECTOR 512u
#define EXT_SB_OFFSET 1024u
#define EXT_MAGIC_OFFSET (EXT_SB_OFFSET + 56u)
#define MAX_LINKS 40     /* the kernel's MAXSYMLINKS */
#define MAX_LINK_LEN 4096

static int fail(struct image_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct image_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof err->message, fmt, ap);
		va_end(ap);
	}
	return -code;
}

static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const unsigned char *p) { return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16; }
static uint64_t le64(const unsigned char *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

/* Whether an ext2/3/4 superblock magic sits at byte offset off of the file. */
static bool has_ext_magic(int fd, uint64_t off)
{
	unsigned char m[2];

	if (pread(fd, m, 2, (off_t)(off + EXT_MAGIC_OFFSET)) != 2)
		return false;
	return le16(m) == EXT2_SUPER_MAGIC;
}

/* msdos: the first primary partition of a Linux type (0x83) holding an ext fs, else the first holding one. */
static int probe_msdos(int fd, const unsigned char *mbr, uint64_t file_size, int *partition, uint64_t *off,
		       struct image_error *err)
{
	int fallback = 0;
	uint64_t fallback_off = 0;
	bool any = false;

	for (int i = 0; i < 4; i++) {
		const unsigned char *e = mbr + 446 + 16 * i;
		uint8_t type = e[4];
		uint64_t start = (uint64_t)le32(e + 8) * SECTOR, len = (uint64_t)le32(e + 12) * SECTOR;

		if (type == 0 || len == 0)
			continue;
		any = true;
		if (start >= file_size)
			continue;
		if (!has_ext_magic(fd, start))
			continue;
		if (type == 0x83) {
			*partition = i + 1;
			*off = start;
			return 0;
		}
		if (!fallback) {
			fallback = i + 1;
			fallback_off = start;
		}
	}
	if (fallback) {
		*partition = fallback;
		*off = fallback_off;
		return 0;
	}
	if (!any)
		return fail(err, EINVAL, "msdos partition table with no partitions");
	return fail(err, EINVAL, "no partition holds an ext2/3/4 filesystem (truncated image or other filesystem)");
}

static const unsigned char linux_fs_guid[16] = { /* 0FC63DAF-8483-4772-8E79-3D69D8477DE4, on-disk order */
	0xAF, 0x3D, 0xC6, 0x0F, 0x83, 0x84, 0x72, 0x47, 0x8E, 0x79, 0x3D, 0x69, 0xD8, 0x47, 0x7D, 0xE4 };

static int probe_gpt(int fd, uint64_t file_size, int *partition, uint64_t *off, struct image_error *err)
{
	unsigned char hdr[92], ent[128];

	if (pread(fd, hdr, sizeof hdr, SECTOR) != (ssize_t)sizeof hdr || memcmp(hdr, "EFI PART", 8))
		return fail(err, EINVAL, "protective MBR without a GPT header at LBA 1");
	uint64_t array = le64(hdr + 72) * SECTOR;
	uint32_t count = le32(hdr + 80), esize = le32(hdr + 84);
	if (esize < 128 || esize > 4096 || count > 1024 || array >= file_size)
		return fail(err, EUCLEAN, "corrupted GPT header (partition array at byte %" PRIu64 ")", array);
	int fallback = 0;
	uint64_t fallback_off = 0;
	for (uint32_t i = 0; i < count; i++) {
		if (pread(fd, ent, sizeof ent, (off_t)(array + (uint64_t)i * esize)) != (ssize_t)sizeof ent)
			return fail(err, EIO, "truncated image: GPT partition array ends past the end of the file");
		static const unsigned char zero[16];
		if (!memcmp(ent, zero, 16))
			continue;
		uint64_t start = le64(ent + 32);
		if (start > UINT64_MAX / SECTOR || start * SECTOR >= file_size || !has_ext_magic(fd, start * SECTOR))
			continue;
		if (!memcmp(ent, linux_fs_guid, 16)) {
			*partition = (int)i + 1;
			*off = start * SECTOR;
			return 0;
		}
		if (!fallback) {
			fallback = (int)i + 1;
			fallback_off = start * SECTOR;
		}
	}
	if (fallback) {
		*partition = fallback;
		*off = fallback_off;
		return 0;
	}
	return fail(err, EINVAL, "no GPT partition holds an ext2/3/4 filesystem");
}

static int probe_fd(int fd, uint64_t file_size, enum image_layout *layout, int *partition, uint64_t *off,
		    struct image_error *err)
{
	unsigned char mbr[SECTOR];

	*partition = 0;
	*off = 0;
	if (file_size < 2048)
		return fail(err, EINVAL, "not an ext2/3/4 filesystem or partitioned disk (only %" PRIu64 " bytes)",
			    file_size);
	if (has_ext_magic(fd, 0)) {
		*layout = IMAGE_LAYOUT_BARE;
		return 0;
	}
	if (pread(fd, mbr, SECTOR, 0) != SECTOR)
		return fail(err, EIO, "cannot read the first sector");
	if (mbr[510] != 0x55 || mbr[511] != 0xAA)
		return fail(err, EINVAL, "not an ext2/3/4 filesystem or partitioned disk");
	for (int i = 0; i < 4; i++)
		if (mbr[446 + 16 * i + 4] == 0xEE) {
			*layout = IMAGE_LAYOUT_GPT;
			return probe_gpt(fd, file_size, partition, off, err);
		}
	*layout = IMAGE_LAYOUT_MSDOS;
	return probe_msdos(fd, mbr, file_size, partition, off, err);
}

int image_probe_layout(const char *path, enum image_layout *layout, int *partition, uint64_t *fs_offset,
		       struct image_error *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return fail(err, errno, "%s", strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(err, EINVAL, "not a regular file");
	}
	int r = probe_fd(fd, (uint64_t)st.st_size, layout, partition, fs_offset, err);
	close(fd);
	return r;
}

/* libext2fs error codes -> one line a user understands. */
static int fail_ext2(struct image_error *err, errcode_t code)
{
	switch (code) {
	case EXT2_ET_BAD_MAGIC:
		return fail(err, EINVAL, "not an ext2/3/4 filesystem");
	case EXT2_ET_SHORT_READ:
		return fail(err, EIO, "truncated image: the filesystem's metadata lies past the end of the file");
	case EXT2_ET_UNSUPP_FEATURE:
	case EXT2_ET_RO_UNSUPP_FEATURE:
		return fail(err, ENOTSUP, "filesystem uses ext features libext2fs does not know (%s)",
			    error_message(code));
	case EXT2_ET_CORRUPT_SUPERBLOCK:
	case EXT2_ET_SB_CSUM_INVALID:
	case EXT2_ET_BAD_DESC_SIZE:
	case EXT2_ET_GDESC_BAD_BLOCK_MAP:
	case EXT2_ET_GDESC_BAD_INODE_MAP:
	case EXT2_ET_GDESC_BAD_INODE_TABLE:
	case EXT2_ET_GDESC_READ:
	case EXT2_ET_NO_GDESC:
	case EXT2_ET_UNEXPECTED_BLOCK_SIZE:
	case EXT2_ET_REV_TOO_HIGH:
		return fail(err, EUCLEAN, "corrupted superblock: %s", error_message(code));
	default:
		if (code > 0 && code < 4096)
			return fail(err, (int)code, "%s", strerror((int)code));
		return fail(err, EUCLEAN, "cannot open the filesystem: %s", error_message(code));
	}
}

static const char *fs_type_of(const struct ext2_super_block *sb)
{
	/* The same rule blkid uses: any ext4-only feature makes it ext4; a journal alone makes it ext3. */
	const uint32_t ext4_incompat = EXT3_FEATURE_INCOMPAT_EXTENTS | EXT4_FEATURE_INCOMPAT_64BIT |
				       EXT4_FEATURE_INCOMPAT_FLEX_BG | EXT4_FEATURE_INCOMPAT_MMP |
				       EXT4_FEATURE_INCOMPAT_INLINE_DATA | EXT4_FEATURE_INCOMPAT_EA_INODE |
				       EXT4_FEATURE_INCOMPAT_LARGEDIR | EXT4_FEATURE_INCOMPAT_CSUM_SEED |
				       EXT4_FEATURE_INCOMPAT_CASEFOLD | EXT4_FEATURE_INCOMPAT_ENCRYPT;
	const uint32_t ext4_ro = EXT4_FEATURE_RO_COMPAT_HUGE_FILE | EXT4_FEATURE_RO_COMPAT_GDT_CSUM |
				 EXT4_FEATURE_RO_COMPAT_DIR_NLINK | EXT4_FEATURE_RO_COMPAT_EXTRA_ISIZE |
				 EXT4_FEATURE_RO_COMPAT_METADATA_CSUM;

	if ((sb->s_feature_incompat & ext4_incompat) || (sb->s_feature_ro_compat & ext4_ro))
		return "ext4";
	if (sb->s_feature_compat & EXT3_FEATURE_COMPAT_HAS_JOURNAL)
		return "ext3";
	return "ext2";
}

static void fill_facts(struct image *img)
{
	struct ext2_super_block *sb = img->fs->super;

	img->fs_type = fs_type_of(sb);
	img->block_size = (unsigned)img->fs->blocksize;
	img->blocks_count = ext2fs_blocks_count(sb);
	img->free_blocks = ext2fs_free_blocks_count(sb);
	img->used_blocks = img->free_blocks <= img->blocks_count ? img->blocks_count - img->free_blocks : 0;
	img->fs_bytes = img->blocks_count * img->block_size;
	memcpy(img->label, sb->s_volume_name, EXT2_LABEL_LEN);
	img->label[EXT2_LABEL_LEN] = '\0';
	e2p_uuid_to_str(sb->s_uuid, img->uuid);
	img->feature_compat = sb->s_feature_compat;
	img->feature_incompat = sb->s_feature_incompat;
	img->feature_ro_compat = sb->s_feature_ro_compat;
	img->needs_recovery = sb->s_feature_incompat & EXT3_FEATURE_INCOMPAT_RECOVER;
	img->has_errors = sb->s_state & EXT2_ERROR_FS;
}

int image_open(const char *path, struct image **out, struct image_error *err)
{
	struct stat st;
	struct image *img;
	char opts[64];
	int r;

	*out = NULL;
	if (stat(path, &st) < 0)
		return fail(err, errno, "%s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		return fail(err, EISDIR, "is a directory, not a disk image");
	if (!S_ISREG(st.st_mode))
		return fail(err, EINVAL, "not a regular file (raw disk images only)");
	if (access(path, R_OK) < 0)
		return fail(err, errno, "%s", strerror(errno));

	img = calloc(1, sizeof *img);
	if (!img || !(img->path = strdup(path))) {
		free(img);
		return fail(err, ENOMEM, "out of memory");
	}
	img->file_size = (uint64_t)st.st_size;
	r = image_probe_layout(path, &img->layout, &img->partition, &img->fs_offset, err);
	if (r < 0)
		goto fail;

	/* The offset goes in io_options, so a '?' in the file name is not taken for options. */
	snprintf(opts, sizeof opts, "offset=%" PRIu64, img->fs_offset);
	errcode_t ec = ext2fs_open2(path, opts, EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &img->fs);
	if (ec) {
		img->fs = NULL;
		r = fail_ext2(err, ec);
		goto fail;
	}
	r = image_check_geometry(img->fs, err);
	if (r < 0)
		goto fail;
	fill_facts(img);
	if (img->fs_bytes > img->file_size - img->fs_offset) {
		r = fail(err, EIO, "truncated image: the filesystem is %" PRIu64 " bytes, the file holds %" PRIu64
			 " after offset %" PRIu64, img->fs_bytes, img->file_size - img->fs_offset, img->fs_offset);
		goto fail;
	}
	*out = img;
	return 0;
fail:
	image_close(img);
	return r;
}

int image_check_geometry(ext2_filsys fs, struct image_error *err)
{
	/* The first data block is 1 with 1 KiB blocks and clusters (block 0 holds the boot sector and
	 * the superblock), 0 otherwise; the kernel refuses 0 for 1 KiB. Any other value shifts every
	 * group's range, and ext2fs_read_bitmaps then copied 1 KiB past its bitmap buffer (a fuzzed
	 * image, first data block 9). */
	unsigned expect = fs->blocksize == 1024 && EXT2FS_CLUSTER_RATIO(fs) == 1;

	if (fs->super->s_first_data_block != expect)
		return fail(err, EUCLEAN, "corrupt superblock: first data block %u, not %u as for %u-byte blocks",
			    fs->super->s_first_data_block, expect, fs->blocksize);
	return 0;
}

void image_close(struct image *img)
{
	if (!img)
		return;
	if (img->fs)
		ext2fs_close_free(&img->fs);
	free(img->path);
	free(img);
}

char *image_feature_string(const struct image *img)
{
	const uint32_t masks[3] = { img->feature_compat, img->feature_incompat, img->feature_ro_compat };
	size_t cap = 512, len = 0;
	char *s = malloc(cap);

	if (!s)
		return NULL;
	s[0] = '\0';
	for (int c = 0; c < 3; c++)
		for (int bit = 0; bit < 32; bit++) {
			if (!(masks[c] & (1u << bit)))
				continue;
			const char *name = e2p_feature2string(c, 1u << bit);
			size_t n = strlen(name);
			if (len + n + 2 > cap) {
				char *t = realloc(s, cap *= 2);
				if (!t) {
					free(s);
					return NULL;
				}
				s = t;
			}
			if (len)
				s[len++] = ' ';
			memcpy(s + len, name, n + 1);
			len += n;
		}
	return s;
}

static int errno_of(errcode_t ec)
{
	if (ec == EXT2_ET_FILE_NOT_FOUND)
		return -ENOENT;
	if (ec == EXT2_ET_NO_MEMORY)
		return -ENOMEM;
	if (ec > 0 && ec < 4096)
		return -(int)ec;
	return -EIO;
}

/* A symlink's target, from the inode (fast symlink), inline data or its data block. */
static int read_link_ino(ext2_filsys fs, ext2_ino_t ino, char **target)
{
	struct ext2_inode inode;
	errcode_t ec = ext2fs_read_inode(fs, ino, &inode);

	if (ec)
		return errno_of(ec);
	if (!LINUX_S_ISLNK(inode.i_mode))
		return -EINVAL;
	uint64_t size = EXT2_I_SIZE(&inode);
	if (size == 0 || size >= MAX_LINK_LEN)
		return -ENAMETOOLONG;
	char *buf = calloc(1, MAX_LINK_LEN + 1);
	if (!buf)
		return -ENOMEM;
	if (ext2fs_is_fast_symlink(&inode)) {
		if (size > sizeof inode.i_block) {
			free(buf);
			return -EUCLEAN;
		}
		memcpy(buf, inode.i_block, size);
	} else if (inode.i_flags & EXT4_INLINE_DATA_FL) {
		size_t got = MAX_LINK_LEN;
		/* ext2fs_inline_data_get() needs a buffer as large as the inline data may be */
		ec = ext2fs_inline_data_get(fs, ino, &inode, buf, &got);
		if (ec) {
			free(buf);
			return errno_of(ec);
		}
	} else {
		ext2_file_t f;
		unsigned got = 0;
		ec = ext2fs_file_open(fs, ino, 0, &f);
		if (!ec) {
			ec = ext2fs_file_read(f, buf, (unsigned)size, &got);
			ext2fs_file_close(f);
		}
		if (ec || got != size) {
			free(buf);
			return ec ? errno_of(ec) : -EIO;
		}
	}
	buf[size] = '\0';
	if (strlen(buf) != size) {
		free(buf);
		return -EUCLEAN;
	}
	*target = buf;
	return 0;
}

/* Path resolution the way the kernel does it, with the guest's root as "/": a stack of resolved
 * components (name offsets into a string, and each one's directory inode) and a queue of what remains. */
struct walk {
	char path[MAX_LINK_LEN * 2];  /* resolved so far, "" = root */
	ext2_ino_t dirs[256];         /* inode of each resolved prefix; dirs[0] = root */
	size_t ends[256];             /* path length after each component */
	int depth;
};

static int walk_pop(struct walk *w)
{
	if (w->depth > 0)
		w->depth--;
	w->path[w->depth ? w->ends[w->depth - 1] : 0] = '\0';
	return 0;
}

static int walk_push(struct walk *w, const char *name, size_t n, ext2_ino_t ino)
{
	size_t at = w->depth ? w->ends[w->depth - 1] : 0;

	if (w->depth + 1 >= (int)(sizeof w->dirs / sizeof w->dirs[0]) || at + n + 2 > sizeof w->path)
		return -ENAMETOOLONG;
	w->path[at] = '/';
	memcpy(w->path + at + 1, name, n);
	w->path[at + 1 + n] = '\0';
	w->depth++;
	w->dirs[w->depth] = ino;
	w->ends[w->depth - 1] = at + 1 + n;
	return 0;
}

static int resolve(const struct image *img, const char *path, bool follow_last, ext2_ino_t *ino_out,
		   char **resolved)
{
	ext2_filsys fs = img->fs;
	struct walk *w = calloc(1, sizeof *w);
	char *rest = strdup(path ? path : "");
	int links = 0, r = 0;

	if (!w || !rest) {
		r = -ENOMEM;
		goto out;
	}
	w->dirs[0] = EXT2_ROOT_INO;
	char *p = rest;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);
		bool last = !*end || !end[strspn(end, "/")];

		if (n == 1 && p[0] == '.') {
			p = end;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			walk_pop(w);
			p = end;
			continue;
		}
		if (n > EXT2_NAME_LEN) {
			r = -ENAMETOOLONG;
			goto out;
		}
		ext2_ino_t child;
		errcode_t ec = ext2fs_lookup(fs, w->dirs[w->depth], p, (int)n, NULL, &child);
		if (ec) {
			r = ec == EXT2_ET_NO_DIRECTORY ? -ENOTDIR : errno_of(ec);
			goto out;
		}
		struct ext2_inode inode;
		if ((ec = ext2fs_read_inode(fs, child, &inode))) {
			r = errno_of(ec);
			goto out;
		}
		if (LINUX_S_ISLNK(inode.i_mode) && (!last || follow_last)) {
			char *target, *next;
			if (++links > MAX_LINKS) {
				r = -ELOOP;
				goto out;
			}
			if ((r = read_link_ino(fs, child, &target)) < 0)
				goto out;
			if (asprintf(&next, "%s/%s", target, end) < 0) {
				free(target);
				r = -ENOMEM;
				goto out;
			}
			if (target[0] == '/') {
				w->depth = 0;
				w->path[0] = '\0';
			}
			free(target);
			free(rest);
			rest = p = next;
			continue;
		}
		if (!last && !LINUX_S_ISDIR(inode.i_mode)) {
			r = -ENOTDIR;
			goto out;
		}
		if ((r = walk_push(w, p, n, child)) < 0)
			goto out;
		p = end;
	}
	if (ino_out)
		*ino_out = w->dirs[w->depth];
	if (resolved && !(*resolved = strdup(w->depth ? w->path : "/")))
		r = -ENOMEM;
out:
	free(rest);
	free(w);
	return r;
}

int image_resolve(const struct image *img, const char *path, ext2_ino_t *ino, char **resolved)
{
	return resolve(img, path, true, ino, resolved);
}

int image_readlink(const struct image *img, const char *path, char **target)
{
	ext2_ino_t ino;
	int r = resolve(img, path, false, &ino, NULL);

	return r < 0 ? r : read_link_ino(img->fs, ino, target);
}

int image_lstat(const struct image *img, const char *path, enum image_ftype *type)
{
	ext2_ino_t ino;
	struct ext2_inode inode;
	int r = resolve(img, path, false, &ino, NULL);

	if (r < 0)
		return r;
	if (ext2fs_read_inode(img->fs, ino, &inode))
		return -EIO;
	*type = LINUX_S_ISREG(inode.i_mode) ? IMAGE_FT_FILE : LINUX_S_ISDIR(inode.i_mode) ? IMAGE_FT_DIR
	      : LINUX_S_ISLNK(inode.i_mode) ? IMAGE_FT_SYMLINK : IMAGE_FT_OTHER;
	return 0;
}

int image_read_file(const struct image *img, const char *path, size_t max, char **buf_out, size_t *len_out)
{
	ext2_ino_t ino;
	struct ext2_inode inode;
	ext2_file_t f;
	int r = resolve(img, path, true, &ino, NULL);

	if (r < 0)
		return r;
	if (ext2fs_read_inode(img->fs, ino, &inode))
		return -EIO;
	if (LINUX_S_ISDIR(inode.i_mode))
		return -EISDIR;
	if (!LINUX_S_ISREG(inode.i_mode))
		return -EINVAL;
	uint64_t size = EXT2_I_SIZE(&inode);
	if (size > max)
		return -EFBIG;
	char *buf = malloc(size + 1);
	if (!buf)
		return -ENOMEM;
	errcode_t ec = ext2fs_file_open(img->fs, ino, 0, &f);
	if (ec) {
		free(buf);
		return errno_of(ec);
	}
	size_t done = 0;
	while (done < size) {
		unsigned got = 0, want = size - done > (1u << 30) ? 1u << 30 : (unsigned)(size - done);
		ec = ext2fs_file_read(f, buf + done, want, &got);
		if (ec || got == 0)
			break;
		done += got;
	}
	ext2fs_file_close(f);
	if (ec || done != size) {
		free(buf);
		return ec ? errno_of(ec) : -EIO;
	}
	buf[size] = '\0';
	*buf_out = buf;
	if (len_out)
		*len_out = size;
	return 0;
}

struct list_ctx {
	ext2_filsys fs;
	struct image_dirent *ents;
	size_t n, cap;
	int err;
};

static int list_cb(ext2_ino_t dir, int entry, struct ext2_dir_entry *de, int offset, int blocksize, char *b,
		   void *priv)
{
	struct list_ctx *c = priv;
	int len = ext2fs_dirent_name_len(de);
	(void)dir; (void)entry; (void)offset; (void)blocksize; (void)b;

	if ((len == 1 && de->name[0] == '.') || (len == 2 && de->name[0] == '.' && de->name[1] == '.'))
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct image_dirent *t = realloc(c->ents, cap * sizeof *t);
		if (!t) {
			c->err = -ENOMEM;
			return DIRENT_ABORT;
		}
		c->ents = t;
		c->cap = cap;
	}
	struct image_dirent *e = &c->ents[c->n];
	if (!(e->name = strndup(de->name, (size_t)len))) {
		c->err = -ENOMEM;
		return DIRENT_ABORT;
	}
	e->ino = de->inode;
	struct ext2_inode inode;
	e->type = IMAGE_FT_OTHER;
	if (!ext2fs_read_inode(c->fs, de->inode, &inode))
		e->type = LINUX_S_ISREG(inode.i_mode) ? IMAGE_FT_FILE : LINUX_S_ISDIR(inode.i_mode) ? IMAGE_FT_DIR
			: LINUX_S_ISLNK(inode.i_mode) ? IMAGE_FT_SYMLINK : IMAGE_FT_OTHER;
	c->n++;
	return 0;
}

static int dirent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct image_dirent *)a)->name, ((const struct image_dirent *)b)->name);
}

int image_list_dir(const struct image *img, const char *path, struct image_dirent **ents, size_t *n)
{
	ext2_ino_t ino;
	struct list_ctx c = { .fs = img->fs };
	int r = resolve(img, path, true, &ino, NULL);

	*ents = NULL;
	*n = 0;
	if (r < 0)
		return r;
	errcode_t ec = ext2fs_dir_iterate2(img->fs, ino, 0, NULL, list_cb, &c);
	if (ec || c.err) {
		image_dirents_free(c.ents, c.n);
		return c.err ? c.err : ec == EXT2_ET_NO_DIRECTORY ? -ENOTDIR : errno_of(ec);
	}
	if (c.n)
		qsort(c.ents, c.n, sizeof *c.ents, dirent_cmp);
	*ents = c.ents;
	*n = c.n;
	return 0;
}

void image_dirents_free(struct image_dirent *ents, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ents[i].name);
	free(ents);
}
