/* Changes inside an ext2/3/4 filesystem through libext2fs, the way debugfs and mke2fs -d make them
 * (e2fsprogs misc/create_inode.c), but editing existing files in place so their inode, owner, mode,
 * ACLs and SELinux labels survive. */
#include "convert/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int fsedit_errno(errcode_t ec)
{
	static const struct {
		errcode_t ec;
		int err;
	} map[] = {
		{ EXT2_ET_BLOCK_ALLOC_FAIL, ENOSPC }, { EXT2_ET_INODE_ALLOC_FAIL, ENOSPC },
		{ EXT2_ET_DIR_NO_SPACE, ENOSPC },     { EXT2_ET_FILE_NOT_FOUND, ENOENT },
		{ EXT2_ET_FILE_TOO_BIG, EFBIG },      { EXT2_ET_BAD_MAGIC, EINVAL },
		{ EXT2_ET_SHORT_READ, EIO },          { EXT2_ET_SHORT_WRITE, ENOSPC },
		{ EXT2_ET_NO_MEMORY, ENOMEM },        { EXT2_ET_RO_UNSUPP_FEATURE, EROFS },
		{ EXT2_ET_UNSUPP_FEATURE, EOPNOTSUPP }, { EXT2_ET_SYMLINK_LOOP, ELOOP },
		{ EXT2_ET_CORRUPT_SUPERBLOCK, EUCLEAN }, { EXT2_ET_SB_CSUM_INVALID, EUCLEAN },
	};

	if (ec > 0 && ec < 4096) /* libext2fs passes system errors through as errno values */
		return -(int)ec;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].ec == ec)
			return -map[i].err;
	return -EIO;
}

/* Splits "/a/b/c" into the inode of "/a/b" and "c". */
static int fsedit_parent(ext2_filsys fs, const char *path, ext2_ino_t *dir, const char **name)
{
	const char *slash = strrchr(path, '/');

	if (!slash || path[0] != '/' || !slash[1])
		return -EINVAL;
	*name = slash + 1;
	if (slash == path) {
		*dir = EXT2_ROOT_INO;
		return 0;
	}
	char *d = strndup(path, (size_t)(slash - path));
	if (!d)
		return -ENOMEM;
	errcode_t ec = ext2fs_namei(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, d, dir);
	free(d);
	return ec ? fsedit_errno(ec) : 0;
}

static bool fsedit_exists(ext2_filsys fs, ext2_ino_t dir, const char *name)
{
	ext2_ino_t ino;

	return !ext2fs_lookup(fs, dir, name, (int)strlen(name), NULL, &ino);
}

/* ext2fs_link, growing the directory when its blocks are full. */
static int fsedit_link(ext2_filsys fs, ext2_ino_t dir, const char *name, ext2_ino_t ino, int ftype)
{
	errcode_t ec = ext2fs_link(fs, dir, name, ino, ftype);

	if (ec == EXT2_ET_DIR_NO_SPACE) {
		if ((ec = ext2fs_expand_dir(fs, dir)))
			return fsedit_errno(ec);
		ec = ext2fs_link(fs, dir, name, ino, ftype);
	}
	return ec ? fsedit_errno(ec) : 0;
}

static int fsedit_write_all(ext2_file_t f, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		unsigned int chunk = len > (1u << 30) ? 1u << 30 : (unsigned)len, got = 0;
		errcode_t ec = ext2fs_file_write(f, p, chunk, &got);
		if (ec)
			return fsedit_errno(ec);
		if (!got)
			return -EIO;
		p += got, len -= got;
	}
	return 0;
}

int fsedit_read(ext2_filsys fs, const char *path, char **buf, size_t *len)
{
	ext2_ino_t ino;
	ext2_file_t f;
	errcode_t ec = ext2fs_namei_follow(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path, &ino);

	if (ec)
		return fsedit_errno(ec);
	if ((ec = ext2fs_file_open(fs, ino, 0, &f)))
		return fsedit_errno(ec);
	__u64 size = 0;
	if ((ec = ext2fs_file_get_lsize(f, &size))) {
		ext2fs_file_close(f);
		return fsedit_errno(ec);
	}
	char *b = size < (64u << 20) ? malloc(size + 1) : NULL;
	unsigned int got = 0;
	if (!b) {
		ext2fs_file_close(f);
		return size < (64u << 20) ? -ENOMEM : -EFBIG;
	}
	ec = size ? ext2fs_file_read(f, b, (unsigned)size, &got) : 0;
	ext2fs_file_close(f);
	if (ec || got != size) {
		free(b);
		return ec ? fsedit_errno(ec) : -EIO;
	}
	b[size] = 0;
	*buf = b;
	*len = (size_t)size;
	return 0;
}

int fsedit_rewrite(ext2_filsys fs, const char *path, const void *data, size_t len)
{
	ext2_ino_t ino;
	ext2_file_t f;
	errcode_t ec = ext2fs_namei_follow(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path, &ino);

	if (ec)
		return fsedit_errno(ec);
	if ((ec = ext2fs_file_open(fs, ino, EXT2_FILE_WRITE, &f)))
		return fsedit_errno(ec);
	int r = fsedit_write_all(f, data, len);
	if (!r && (ec = ext2fs_file_set_size2(f, len)))
		r = fsedit_errno(ec);
	ec = ext2fs_file_close(f);
	if (!r && ec)
		r = fsedit_errno(ec);
	if (r)
		return r;
	/* The change time says the file changed; owner, mode and xattrs are untouched. */
	struct ext2_inode inode;
	if ((ec = ext2fs_read_inode(fs, ino, &inode)))
		return fsedit_errno(ec);
	inode.i_mtime = inode.i_ctime = (uint32_t)time(NULL);
	return (ec = ext2fs_write_inode(fs, ino, &inode)) ? fsedit_errno(ec) : 0;
}

int fsedit_create(ext2_filsys fs, const char *path, const void *data, size_t len, unsigned mode,
		  ext2_ino_t like_ino)
{
	ext2_ino_t dir, ino;
	const char *name;
	int r = fsedit_parent(fs, path, &dir, &name);

	if (r)
		return r;
	if (fsedit_exists(fs, dir, name))
		return -EEXIST;
	errcode_t ec = ext2fs_new_inode(fs, dir, LINUX_S_IFREG | 0644, NULL, &ino);
	if (ec)
		return fsedit_errno(ec);
	if ((r = fsedit_link(fs, dir, name, ino, EXT2_FT_REG_FILE)))
		return r;
	ext2fs_inode_alloc_stats2(fs, ino, +1, 0);

	struct ext2_inode inode;
	uint32_t now = (uint32_t)time(NULL);
	memset(&inode, 0, sizeof inode);
	if (like_ino) {
		struct ext2_inode like;
		if ((ec = ext2fs_read_inode(fs, like_ino, &like)))
			return fsedit_errno(ec);
		inode.i_mode = like.i_mode;
		inode.i_uid = like.i_uid;
		inode.i_gid = like.i_gid;
		inode.osd2.linux2.l_i_uid_high = like.osd2.linux2.l_i_uid_high;
		inode.osd2.linux2.l_i_gid_high = like.osd2.linux2.l_i_gid_high;
		inode.i_atime = like.i_atime;
		inode.i_mtime = like.i_mtime;
	} else {
		inode.i_mode = (uint16_t)(LINUX_S_IFREG | (mode & 07777));
		inode.i_atime = inode.i_mtime = now;
	}
	inode.i_ctime = now;
	inode.i_links_count = 1;
	if (ext2fs_has_feature_extents(fs->super)) {
		/* An empty extent tree in i_block, as create_inode.c does: extent_open2 initialises the
		 * header in our in-memory inode and sets EXT4_EXTENTS_FL. */
		ext2_extent_handle_t h;
		if ((ec = ext2fs_extent_open2(fs, ino, &inode, &h)))
			return fsedit_errno(ec);
		ext2fs_extent_free(h);
	}
	if ((ec = ext2fs_write_new_inode(fs, ino, &inode)))
		return fsedit_errno(ec);
	if (!len)
		return 0;
	ext2_file_t f;
	if ((ec = ext2fs_file_open(fs, ino, EXT2_FILE_WRITE, &f)))
		return fsedit_errno(ec);
	r = fsedit_write_all(f, data, len);
	ec = ext2fs_file_close(f);
	return r ? r : ec ? fsedit_errno(ec) : 0;
}

int fsedit_keep_copy(ext2_filsys fs, const char *path, const char *copy)
{
	ext2_ino_t ino;
	char *buf;
	size_t len;
	errcode_t ec = ext2fs_namei_follow(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path, &ino);

	if (ec)
		return fsedit_errno(ec);
	int r = fsedit_read(fs, path, &buf, &len);
	if (r)
		return r;
	r = fsedit_create(fs, copy, buf, len, 0, ino);
	free(buf);
	/* A copy from an earlier conversion is the true original: keep it. */
	return r == -EEXIST ? 0 : r;
}

int fsedit_mkdirs(ext2_filsys fs, const char *path)
{
	char *p = strdup(path);
	ext2_ino_t dir = EXT2_ROOT_INO;
	int r = 0;

	if (!p)
		return -ENOMEM;
	for (char *save = NULL, *c = strtok_r(p, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		ext2_ino_t ino;
		if (!ext2fs_lookup(fs, dir, c, (int)strlen(c), NULL, &ino)) {
			/* Follow a symlinked component (/boot/grub -> grub2 on some distributions). */
			errcode_t ec = ext2fs_follow_link(fs, EXT2_ROOT_INO, dir, ino, &ino);
			if (ec) {
				r = fsedit_errno(ec);
				break;
			}
			dir = ino;
			continue;
		}
		errcode_t ec = ext2fs_mkdir(fs, dir, 0, c);
		if (ec == EXT2_ET_DIR_NO_SPACE) {
			if ((ec = ext2fs_expand_dir(fs, dir)) == 0)
				ec = ext2fs_mkdir(fs, dir, 0, c);
		}
		if (!ec)
			ec = ext2fs_lookup(fs, dir, c, (int)strlen(c), NULL, &ino);
		if (ec) {
			r = fsedit_errno(ec);
			break;
		}
		dir = ino;
	}
	free(p);
	return r;
}

int fsedit_symlink(ext2_filsys fs, const char *path, const char *target)
{
	ext2_ino_t dir;
	const char *name;
	int r = fsedit_parent(fs, path, &dir, &name);

	if (r)
		return r;
	if (fsedit_exists(fs, dir, name))
		return -EEXIST;
	errcode_t ec = ext2fs_symlink(fs, dir, 0, name, target);
	if (ec == EXT2_ET_DIR_NO_SPACE) {
		if ((ec = ext2fs_expand_dir(fs, dir)) == 0)
			ec = ext2fs_symlink(fs, dir, 0, name, target);
	}
	return ec ? fsedit_errno(ec) : 0;
}

int fsedit_unlink(ext2_filsys fs, const char *path)
{
	ext2_ino_t dir, ino;
	const char *name;
	struct ext2_inode inode;
	int r = fsedit_parent(fs, path, &dir, &name);

	if (r)
		return r;
	errcode_t ec = ext2fs_lookup(fs, dir, name, (int)strlen(name), NULL, &ino);
	if (!ec)
		ec = ext2fs_read_inode(fs, ino, &inode);
	if (!ec && LINUX_S_ISDIR(inode.i_mode))
		return -EISDIR;
	if (!ec)
		ec = ext2fs_unlink(fs, dir, name, ino, 0);
	if (ec)
		return fsedit_errno(ec);
	if (inode.i_links_count > 1) {
		inode.i_links_count--;
		return (ec = ext2fs_write_inode(fs, ino, &inode)) ? fsedit_errno(ec) : 0;
	}
	/* Last link: free its blocks (none for a fast symlink) and the inode. */
	if (ext2fs_inode_has_valid_blocks2(fs, &inode) &&
	    (ec = ext2fs_punch(fs, ino, &inode, NULL, 0, ~0ULL)))
		return fsedit_errno(ec);
	inode.i_links_count = 0;
	inode.i_dtime = (uint32_t)time(NULL);
	if ((ec = ext2fs_write_inode(fs, ino, &inode)))
		return fsedit_errno(ec);
	ext2fs_inode_alloc_stats2(fs, ino, -1, 0);
	return 0;
}
