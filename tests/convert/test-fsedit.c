/* fsedit on a real ext4 image made by mke2fs: in-place rewrites keep inode, owner, mode and xattrs;
 * copies keep owner and mode; new files, directories and links; e2fsck finds the result clean. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "convert/internal.h"

static int inode_of(ext2_filsys fs, const char *path, struct ext2_inode *ino_out, ext2_ino_t *ino)
{
	if (ext2fs_namei(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path, ino))
		return -1;
	return ext2fs_read_inode(fs, *ino, ino_out) ? -1 : 0;
}

int main(void)
{
	char dir[] = "/tmp/vm-fsedit-XXXXXX", img[600];
	ext2_filsys fs;

	if (!mkdtemp(dir))
		return 1;
	snprintf(img, sizeof img, "%s/fs.img", dir);
	/* fstab owned by 1000:1000 mode 0640 with a user xattr, set through debugfs (no root needed). */
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "mkdir -p %s/root/etc && printf '/dev/xvda1 / ext4 defaults 0 1\\n' >%s/root/etc/fstab && "
		 "mke2fs -q -F -t ext4 -d %s/root %s 16M >/dev/null && debugfs -w -f - %s >/dev/null 2>&1 <<'EOF'\n"
		 "sif /etc/fstab uid 1000\nsif /etc/fstab gid 1000\nsif /etc/fstab mode 0100640\n"
		 "ea_set /etc/fstab user.test kept\nEOF", dir, dir, dir, img, img);
	TAP_OK(system(cmd) == 0, "test filesystem built");
	errcode_t ec = ext2fs_open2(img, NULL, EXT2_FLAG_RW | EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &fs);
	TAP_OK(!ec && !ext2fs_read_bitmaps(fs), "opened read-write");
	if (ec)
		return tap_done();

	struct ext2_inode before, after;
	ext2_ino_t ino_b, ino_a;
	inode_of(fs, "/etc/fstab", &before, &ino_b);
	const char *text = "UUID=1234 / ext4 defaults 0 1\n# a longer file than before, to need the block it has\n";
	TAP_OK(fsedit_keep_copy(fs, "/etc/fstab", "/etc/fstab.virtmode-orig") == 0, "original kept");
	TAP_OK(fsedit_rewrite(fs, "/etc/fstab", text, strlen(text)) == 0, "rewritten in place");
	inode_of(fs, "/etc/fstab", &after, &ino_a);
	TAP_OK(ino_a == ino_b, "same inode (%u)", ino_a);
	TAP_OK(after.i_uid == 1000 && after.i_gid == 1000 && (after.i_mode & 07777) == 0640, "owner and mode kept");
	char *buf;
	size_t len;
	TAP_OK(fsedit_read(fs, "/etc/fstab", &buf, &len) == 0 && len == strlen(text) && !memcmp(buf, text, len),
	       "new content reads back");
	free(buf);
	struct ext2_inode copy;
	ext2_ino_t ino_c;
	inode_of(fs, "/etc/fstab.virtmode-orig", &copy, &ino_c);
	TAP_OK(copy.i_uid == 1000 && (copy.i_mode & 07777) == 0640, "copy has the original's owner and mode");
	TAP_OK(fsedit_read(fs, "/etc/fstab.virtmode-orig", &buf, &len) == 0 && !strncmp(buf, "/dev/xvda1 /", 12),
	       "copy holds the original content");
	free(buf);
	const char *shorter = "x\n";
	TAP_OK(fsedit_rewrite(fs, "/etc/fstab", shorter, 2) == 0 && fsedit_read(fs, "/etc/fstab", &buf, &len) == 0 &&
	       len == 2, "a shorter rewrite truncates");
	free(buf);

	TAP_OK(fsedit_mkdirs(fs, "/boot/grub/i386-pc") == 0, "mkdir -p");
	TAP_OK(fsedit_create(fs, "/boot/grub/grub.cfg", "set timeout=1\n", 14, 0644, 0) == 0, "new file");
	TAP_OK(fsedit_create(fs, "/boot/grub/grub.cfg", "x", 1, 0644, 0) == -EEXIST, "create never replaces");
	/* Enough files to need more than one directory block. */
	int many = 1;
	for (int i = 0; i < 200 && many; i++) {
		char p[128];
		snprintf(p, sizeof p, "/boot/grub/i386-pc/module-with-a-long-name-%03d.mod", i);
		many = fsedit_create(fs, p, p, strlen(p), 0644, 0) == 0;
	}
	TAP_OK(many, "200 files in one directory (directory grows)");
	TAP_OK(fsedit_symlink(fs, "/etc/link", "/etc/fstab") == 0, "symlink");
	TAP_OK(fsedit_unlink(fs, "/etc/link") == 0, "unlink");
	TAP_OK(fsedit_unlink(fs, "/etc/link") < 0, "unlink of a missing name fails");
	TAP_OK(ext2fs_close_free(&fs) == 0, "closed");

	snprintf(cmd, sizeof cmd, "e2fsck -fn %s >/dev/null 2>&1", img);
	TAP_OK(system(cmd) == 0, "e2fsck -fn finds the filesystem clean");
	snprintf(cmd, sizeof cmd, "debugfs -R 'ea_get /etc/fstab user.test' %s 2>/dev/null | grep -q kept", img);
	TAP_OK(system(cmd) == 0, "the rewritten file's xattr survived");
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	return tap_done();
}
